import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { log } from '../report/log';
import { FollowState, parseFollowState, serializeFollowState } from './followed-jobs';

/** Where the follow checks keep what they saw between looks. */
export interface FollowStore {
  read(): Promise<FollowState>;
  write(state: FollowState): Promise<void>;
}

/**
 * The SSM parameter the construct creates (FOLLOW_STATE_PARAMETER): a standard String
 * parameter, read with GetParameter and overwritten in place (no charge at standard
 * throughput). Only the follow function writes it, and its reserved concurrency of 1 keeps
 * two looks apart. The jobs running and those told within two hours are a few hundred
 * bytes to a few KB (with one-minute backups), within the standard tier's 4 KB.
 */
export class SsmFollowStore implements FollowStore {
  constructor(
    private readonly client: SSMClient,
    private readonly name: string,
  ) {}

  async read(): Promise<FollowState> {
    const answer = await this.client.send(new GetParameterCommand({ Name: this.name }));
    const { state, problems } = parseFollowState(answer.Parameter?.Value);
    for (const problem of problems) log('WARN', `SSM parameter ${this.name}: ${problem}`);
    return state;
  }

  async write(state: FollowState): Promise<void> {
    await this.client.send(new PutParameterCommand({ Name: this.name, Value: serializeFollowState(state), Overwrite: true }));
  }
}
