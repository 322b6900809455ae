/**
 * A rate-limited work queue that deduplicates keys (client-go's workqueue):
 * a key added while it waits is queued once; a key added while it is being
 * processed is processed again after, never concurrently; failures are
 * retried with per-key exponential back-off (baseDelay · 2^n up to maxDelay).
 */
export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How many keys are reconciled at once. */
  workers?: number;
  log?: (line: string) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  /** Count of reconciles run (for tests and metrics). */
  processed = 0;

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    private readonly opts: WorkQueueOptions = {},
  ) {}

  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued when the current run ends
    this.queue.push(key);
    this.pump();
  }

  /** Adds after a delay (coalesces with an earlier pending delay for the key). */
  addAfter(key: string, ms: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, t);
  }

  /** Retry with back-off for this key. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const base = this.opts.baseDelayMs ?? 5;
    const max = this.opts.maxDelayMs ?? 30_000;
    this.addAfter(key, Math.min(max, base * 2 ** n));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  get length(): number {
    return this.queue.length;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.dirty.clear();
  }

  /** Resolves when nothing is queued, running or waiting on a timer. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.active === 0 && this.timers.size === 0;
  }

  private pump(): void {
    const workers = this.opts.workers ?? 1;
    while (!this.stopped && this.active < workers && this.queue.length) {
      const key = this.queue.shift()!;
      this.dirty.delete(key);
      this.processing.add(key);
      this.active++;
      void this.run(key);
    }
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(key: string): Promise<void> {
    try {
      await this.reconcile(key);
      this.forget(key);
    } catch (e) {
      this.opts.log?.(`reconcile ${key} failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!this.stopped) this.addRateLimited(key);
    } finally {
      this.processed++;
      this.processing.delete(key);
      this.active--;
      if (this.dirty.has(key) && !this.stopped) this.queue.push(key);
      this.pump();
    }
  }
}
