import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DrillState, EMPTY_DRILL_STATE, parseDrillState, serializeDrillState, withSince } from './drill-state';
import { log } from '../report/log';

/** Where the drills' state lives between runs. */
export interface DrillStateStore {
  /** For messages: `SSM parameter <name>` or that it is kept in memory. */
  readonly description: string;
  /** False when the state ends with the process (the local runner without DRILL_STATE_PARAMETER). */
  readonly persistent: boolean;
  read(): Promise<DrillState>;
  write(state: DrillState): Promise<void>;
}

/**
 * The SSM parameter the construct creates (DRILL_STATE_PARAMETER). The Lambda may only
 * GetParameter and PutParameter it (a String parameter, overwritten in place; its JSON is far
 * below the 4 KB of the standard tier for the few databases a drill restores).
 */
export class SsmDrillStateStore implements DrillStateStore {
  readonly persistent = true;

  constructor(
    private readonly client: SSMClient,
    private readonly name: string,
  ) {}

  get description(): string {
    return `SSM parameter ${this.name}`;
  }

  async read(): Promise<DrillState> {
    const answer = await this.client.send(new GetParameterCommand({ Name: this.name }));
    const { state, problems } = parseDrillState(answer.Parameter?.Value);
    for (const problem of problems) log('WARN', `${this.description}: ${problem}`);
    return withSince(state, answer.Parameter?.LastModifiedDate);
  }

  async write(state: DrillState): Promise<void> {
    await this.client.send(new PutParameterCommand({ Name: this.name, Value: serializeDrillState(state), Overwrite: true }));
  }
}

/** The local runner's state without DRILL_STATE_PARAMETER: lost when the process ends, so the runner waits for its drills within its budget. */
export class MemoryDrillStateStore implements DrillStateStore {
  readonly persistent = false;
  readonly description = 'memory (no DRILL_STATE_PARAMETER: a drill still running when the runner ends is not followed)';
  private state: DrillState;

  constructor(now: Date = new Date()) {
    this.state = { ...EMPTY_DRILL_STATE, since: now.toISOString() };
  }

  async read(): Promise<DrillState> {
    return this.state;
  }

  async write(state: DrillState): Promise<void> {
    this.state = state;
  }
}
