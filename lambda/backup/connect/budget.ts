import { BackupFailure } from './errors';

/**
 * The time a run may use: the Lambda's remaining time minus a safety margin for the
 * summary line and metrics (handler.ts), or a fixed allowance in the local runner.
 * Every wait and timeout is capped by it, so a run ends with its own explanation
 * rather than being killed by the Lambda timeout.
 */
export class Budget {
  constructor(
    private readonly deadline: number,
    private readonly now: () => number = Date.now,
  ) {}

  static fromNow(milliseconds: number, now: () => number = Date.now): Budget {
    return new Budget(now() + milliseconds, now);
  }

  remaining(): number {
    return Math.max(0, this.deadline - this.now());
  }

  /** A timeout no longer than what is left; throws when nothing is left. */
  cap(timeoutMs: number): number {
    const left = this.remaining();
    if (left <= 0) throw new BackupFailure('the time budget of this run is used up', 'BUDGET');
    return Math.max(1, Math.min(timeoutMs, left));
  }
}
