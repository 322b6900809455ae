/**
 * The queue-and-workers part every controller shares: handlers call
 * `enqueue(key)`; keys queued before `start()` (while the informers are
 * still listing) are held and released at once when the caches have synced,
 * as client-go controllers wait for WaitForCacheSync before their workers run.
 */
import { WorkQueue } from '../../client/index.ts';

export interface LoopOptions {
  /** Concurrent reconciles (distinct keys). */
  workers?: number;
  /** Retry back-off: baseDelayMs · 2^n up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  log?: (line: string) => void;
}

export class ReconcileLoop {
  readonly queue: WorkQueue;
  private started = false;
  private readonly held = new Set<string>();

  constructor(name: string, reconcile: (key: string) => Promise<void>, opts: LoopOptions = {}) {
    const log = opts.log;
    this.queue = new WorkQueue(reconcile, {
      workers: opts.workers ?? 5,
      baseDelayMs: opts.baseDelayMs ?? 10,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      // A stale cache is an expected, self-healing condition: retried quietly.
      log: log ? (line) => (line.includes('informer cache is out of date') ? undefined : log(`${name}: ${line}`)) : undefined,
    });
  }

  enqueue(key: string): void {
    if (this.started) this.queue.add(key);
    else this.held.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    if (this.started) this.queue.addAfter(key, ms);
    else this.held.add(key);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const k of this.held) this.queue.add(k);
    this.held.clear();
  }

  stop(): void {
    this.queue.stop();
  }

  /** Resolves when nothing is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}
