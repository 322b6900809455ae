/**
 * kube-proxy's BoundedFrequencyRunner (pkg/util/async), for an async function
 * on one event loop:
 *
 * - runs never overlap; a run requested during a run happens after it;
 * - on-demand runs are rate-limited by a token bucket: one token per
 *   minInterval, at most `burst` saved (kube-proxy uses burst 2), so an
 *   isolated change syncs at once and a storm of changes coalesces into one
 *   run per minInterval;
 * - a run happens at least every maxInterval (the periodic resync);
 * - retryAfter(ms) makes the next run happen no later than ms from now;
 * - requests made in the same tick coalesce (the run starts in a microtask).
 *
 * The clock is injected so tests advance time instead of sleeping.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface BoundedFrequencyRunnerOptions {
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Saved on-demand runs (default 2, as kube-proxy). */
  burst?: number;
  clock?: Clock;
  /** Called when fn throws (the runner itself never throws). */
  onError?: (e: unknown) => void;
}

export class BoundedFrequencyRunner {
  private readonly clock: Clock;
  private readonly burst: number;
  private tokens: number;
  private lastRefill: number;
  private running = false;
  private rerun = false;
  private microtaskQueued = false;
  private started = false;
  private stopped = false;
  private timer: unknown;
  private timerAt = Infinity;
  /** Runs so far (for tests and metrics). */
  runs = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly fn: () => Promise<void>,
    private readonly opts: BoundedFrequencyRunnerOptions,
  ) {
    if (opts.maxIntervalMs < opts.minIntervalMs) throw new Error(`maxInterval (${opts.maxIntervalMs} ms) must be >= minInterval (${opts.minIntervalMs} ms)`);
    this.clock = opts.clock ?? realClock;
    this.burst = Math.max(1, opts.burst ?? 2);
    this.tokens = this.burst;
    this.lastRefill = this.clock.now();
  }

  /** Starts the periodic timer. Runs requested before start() wait for it. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(this.opts.maxIntervalMs);
    if (this.rerun) {
      this.rerun = false;
      this.run();
    }
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Requests a run as soon as the rate limit allows. */
  run(): void {
    if (this.stopped) return;
    if (!this.started || this.running) {
      this.rerun = true;
      return;
    }
    if (this.microtaskQueued) return;
    this.microtaskQueued = true;
    queueMicrotask(() => {
      this.microtaskQueued = false;
      this.tryRun();
    });
  }

  /** The next run happens no later than ms from now. */
  retryAfter(ms: number): void {
    if (this.stopped) return;
    this.schedule(ms);
  }

  /** Resolves when no run is in progress or requested. */
  idle(): Promise<void> {
    if (!this.running && !this.rerun && !this.microtaskQueued) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private refill(): void {
    const now = this.clock.now();
    const min = this.opts.minIntervalMs;
    if (min <= 0) {
      this.tokens = this.burst;
    } else {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.lastRefill) / min);
    }
    this.lastRefill = now;
  }

  private tryRun(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      void this.execute();
      return;
    }
    // Not allowed yet: run when the next token is there (or earlier if already scheduled).
    const wait = Math.ceil((1 - this.tokens) * this.opts.minIntervalMs);
    this.schedule(wait);
  }

  private async execute(): Promise<void> {
    this.running = true;
    this.cancelTimer();
    try {
      await this.fn();
    } catch (e) {
      this.opts.onError?.(e);
    } finally {
      this.runs++;
      this.running = false;
    }
    if (this.stopped) return;
    if (this.timer === undefined) this.schedule(this.opts.maxIntervalMs);
    if (this.rerun) {
      this.rerun = false;
      this.tryRun();
    }
    if (!this.running && !this.rerun && !this.microtaskQueued) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Arms the timer for ms from now unless it is already due sooner. */
  private schedule(ms: number): void {
    if (this.stopped) return;
    const at = this.clock.now() + Math.max(0, ms);
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.cancelTimer();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tryRun();
    }, Math.max(0, ms));
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
