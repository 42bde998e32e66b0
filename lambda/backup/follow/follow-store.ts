import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { log } from '../report/log';
import { EMPTY_FOLLOW_STATE, FollowState, parseFollowState, serializeFollowState } from './followed-jobs';

/** Where the followed jobs are kept between runs. */
export interface FollowStore {
  read(): Promise<FollowState>;
  write(state: FollowState): Promise<void>;
}

/**
 * The SSM parameter the construct creates (FOLLOW_STATE_PARAMETER): a standard String
 * parameter, read with GetParameter (no charge for standard throughput) and overwritten in
 * place. Reserved concurrency 1 keeps the Lambda's runs apart, so no two write it at once.
 * A few followed jobs are a few hundred bytes, far below the standard tier's 4 KB.
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

/** Followed jobs kept in memory: a test's store, or one process's. */
export class MemoryFollowStore implements FollowStore {
  private state: FollowState = EMPTY_FOLLOW_STATE;

  async read(): Promise<FollowState> {
    return this.state;
  }

  async write(state: FollowState): Promise<void> {
    this.state = state;
  }
}
