/**
 * A clock that tests run ahead of the wall clock: `advance` lets hours pass in an instant.
 * Pass `now` to the double (CockroachDoubleOptions.clock) and to the Lambda (the harness's
 * clock) so that both see the same time. It still moves with the wall clock between two
 * advances, so that the double's timers (job durations, WHEN COMPLETE's looks) and the
 * times they write stay in order.
 */
export class SimulatedClock {
  private offsetMs = 0;

  /** Now, by this clock. */
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);

  /** Lets `ms` pass at once. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`a clock only moves forward (asked to move ${ms} ms)`);
    this.offsetMs += ms;
  }

  /** Moves to `time` (which must not be in this clock's past). */
  advanceTo(time: Date): void {
    this.advance(time.getTime() - this.now().getTime());
  }
}
