/**
 * A small deduplicating work queue for the API server's internal controllers:
 * a key queued while it waits is processed once; a key whose reconcile throws
 * is retried with exponential back-off (5 ms doubling to 5 s), like
 * client-go's rate-limited queue.
 */
export class KeyQueue {
  private readonly waiting = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly work: (key: string) => Promise<void>) {}

  add(key: string): void {
    if (this.stopped) return;
    this.waiting.add(key);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.waiting.clear();
  }

  idle(): Promise<void> {
    if (!this.running && this.waiting.size === 0 && this.timers.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async drain(): Promise<void> {
    while (this.waiting.size && !this.stopped) {
      const key = this.waiting.values().next().value as string;
      this.waiting.delete(key);
      try {
        await this.work(key);
        this.failures.delete(key);
      } catch {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.add(key);
        }, Math.min(5000, 5 * 2 ** n));
        this.timers.add(t);
      }
    }
    this.running = false;
    if (this.timers.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
