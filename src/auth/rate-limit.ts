/**
 * Token buckets held in process memory: limits are per instance (N instances behind a
 * balancer allow up to N times the configured rate). Idle buckets are dropped once full
 * again, so memory follows the number of active keys and sessions.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    /** Tokens added per second; 0 means no limit. */
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /**
   * Takes one token for `id`. Returns 0 when allowed, else the seconds until one is
   * available again (rounded up, at least 1).
   */
  take(id: string): number {
    if (!this.enabled) return 0;
    const t = this.now();
    this.sweep(t);
    const b = this.buckets.get(id) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  private sweep(t: number): void {
    if (t - this.lastSweep < 10_000) return;
    this.lastSweep = t;
    const full = (this.burst / this.perSecond) * 1000;
    for (const [id, b] of this.buckets) if (t - b.at >= full) this.buckets.delete(id);
  }
}
