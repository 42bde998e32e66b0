/**
 * A clock that tests run ahead of the wall clock: `advance` lets hours pass in an instant.
 * Pass `now` to the double (CockroachDoubleOptions.clock) and to the Lambda (the harness's
 * clock) so that both see the same time. It still moves with the wall clock between two
 * advances, so that the double's timers (job durations, WHEN COMPLETE's looks) and the
 * times they write stay in order.
 */
export class SimulatedClock {
  private offsetMs = 0;

  /** While frozen: the instant this clock stays at (it does not move with the wall clock). */
  private frozenAt: number | undefined;

  /** Now, by this clock. */
  readonly now = (): Date => new Date(this.frozenAt ?? Date.now() + this.offsetMs);

  /**
   * Stops the clock where it is until `thaw`, for a test whose assertion depends on which side of
   * an instant a run's reading of the time falls, so that a slow machine cannot move it.
   */
  freeze(): void {
    this.frozenAt = this.now().getTime();
  }

  /** Lets the clock move with the wall clock again, from where it was frozen. */
  thaw(): void {
    if (this.frozenAt === undefined) return;
    this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = undefined;
  }

  /** Lets `ms` pass at once. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`a clock only moves forward (asked to move ${ms} ms)`);
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Moves to `time` (which must not be in this clock's past). */
  advanceTo(time: Date): void {
    this.advance(time.getTime() - this.now().getTime());
  }
}
