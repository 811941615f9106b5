/**
 * A point in time by which something must be done. A hook's frame makes one from the agent's
 * deadline for the event, and every step that can block (a wait on the database lock, a retry's
 * pause, a git process) takes its time from it, because a timer cannot fire while better-sqlite3
 * or Atomics.wait block the thread: the time must be checked before blocking, not after.
 * Commands run without one (Deadline.none()).
 */
export class Deadline {
  private constructor(
    /** Epoch milliseconds; Infinity for none. */
    readonly at: number,
    private readonly clock: () => number,
  ) {}

  /** `ms` from now (or from `from`, e.g. the process's start). */
  static in(ms: number, from?: number, clock: () => number = Date.now): Deadline {
    return new Deadline((from ?? clock()) + ms, clock);
  }

  static none(): Deadline {
    return new Deadline(Infinity, Date.now);
  }

  /** Milliseconds left (0 once passed; Infinity for none). */
  remaining(): number {
    return Math.max(0, this.at - this.clock());
  }

  expired(): boolean {
    return this.remaining() === 0;
  }

  get bounded(): boolean {
    return Number.isFinite(this.at);
  }

  /**
   * A deadline inside this one: it ends `reserveMs` before this one (time kept for what must
   * happen after, e.g. a fallback), and no later than `maxMs` from now.
   */
  within(o: { reserveMs?: number; maxMs?: number }): Deadline {
    const now = this.clock();
    const at = Math.min(this.at - (o.reserveMs ?? 0), o.maxMs === undefined ? Infinity : now + o.maxMs);
    return new Deadline(Math.max(now, at), this.clock);
  }
}
