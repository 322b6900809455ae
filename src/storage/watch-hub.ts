/**
 * Fan-out of committed events to watchers, shared by the backends.
 *
 * Contract with a backend: it calls `add` with the history a new watcher must
 * replay (read in the same synchronous step that checks compaction), and
 * `publish` once per committed revision, after the commit is durable, in
 * revision order. Because both happen synchronously on the one JS thread, no
 * event can fall between a watcher's history and its live stream.
 *
 * Delivery is asynchronous (a microtask per watcher), so a handler never runs
 * inside txn() or watch(). One call may carry several revisions but never
 * splits one; events are in revision order, then op order.
 */
import type { WatchEvent, WatchHandle } from './types.ts';

interface Watcher {
  readonly prefix: string;
  /** Highest revision already queued or delivered; later publishes must be newer. */
  after: number;
  queue: WatchEvent[];
  scheduled: boolean;
  closed: boolean;
  readonly onEvents: (events: readonly WatchEvent[]) => void;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  /**
   * Registers a watcher. `history` holds the retained events for the prefix
   * with revision > afterRevision, sorted; `currentRevision` is the store
   * revision that history reflects.
   */
  add(
    prefix: string,
    afterRevision: number,
    currentRevision: number,
    history: readonly WatchEvent[],
    onEvents: (events: readonly WatchEvent[]) => void,
  ): WatchHandle {
    const w: Watcher = {
      prefix,
      after: Math.max(afterRevision, currentRevision),
      queue: [],
      scheduled: false,
      closed: false,
      onEvents,
    };
    this.watchers.add(w);
    if (history.length > 0) this.enqueue(w, history);
    return {
      close: () => {
        w.closed = true;
        w.queue = [];
        this.watchers.delete(w);
      },
    };
  }

  /** All events of one committed revision, in op order. */
  publish(revision: number, events: readonly WatchEvent[]): void {
    for (const w of this.watchers) {
      if (revision <= w.after) continue;
      w.after = revision;
      const mine = w.prefix === '' ? events : events.filter((e) => e.kv.key.startsWith(w.prefix));
      if (mine.length > 0) this.enqueue(w, mine);
    }
  }

  /** Stops every watcher (store closed). */
  closeAll(): void {
    for (const w of this.watchers) {
      w.closed = true;
      w.queue = [];
    }
    this.watchers.clear();
  }

  get size(): number {
    return this.watchers.size;
  }

  private enqueue(w: Watcher, events: readonly WatchEvent[]): void {
    for (const e of events) w.queue.push(e);
    if (w.scheduled) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      if (w.closed || w.queue.length === 0) return;
      const batch = w.queue;
      w.queue = [];
      try {
        w.onEvents(batch);
      } catch (err: unknown) {
        // The contract says handlers must not throw; report instead of
        // breaking the committer or the other watchers.
        process.emitWarning(`storage watch handler threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
}
