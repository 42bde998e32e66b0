import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/** When the retention promise began, or undefined when that cannot be known. */
export interface RetentionPromiseSource {
  since(): Promise<Date | undefined>;
}

/**
 * The RETENTION_PARAMETER the construct creates: CloudFormation writes it when retention is set
 * or changed, so its LastModifiedDate is when the current promise began. The Lambda may only
 * GetParameter it.
 */
export class SsmRetentionPromise implements RetentionPromiseSource {
  constructor(
    private readonly client: SSMClient,
    private readonly name: string,
  ) {}

  async since(): Promise<Date | undefined> {
    const answer = await this.client.send(new GetParameterCommand({ Name: this.name }));
    return answer.Parameter?.LastModifiedDate;
  }
}
