// Shared test helpers for the storage tests: temp dirs, backends, watch collectors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError, type Store, type StorageErrorCode, type WatchEvent } from '../../src/storage/index.ts';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sb-storage-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Collects watch events; `until(n)` resolves once n events have arrived. */
export function collector(): {
  events: WatchEvent[];
  calls: (readonly WatchEvent[])[];
  onEvents: (evs: readonly WatchEvent[]) => void;
  until: (n: number) => Promise<WatchEvent[]>;
} {
  const events: WatchEvent[] = [];
  const calls: (readonly WatchEvent[])[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  return {
    events,
    calls,
    onEvents(evs) {
      calls.push(evs);
      events.push(...evs);
      if (waiter && events.length >= waiter.n) {
        const w = waiter;
        waiter = undefined;
        w.resolve();
      }
    },
    until(n) {
      if (events.length >= n) return Promise.resolve(events);
      return new Promise((resolve) => {
        waiter = { n, resolve: () => resolve(events) };
      });
    },
  };
}

/** Asserts `p` rejects with a StorageError of `code`; returns it. */
export async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  try {
    await p;
  } catch (err: unknown) {
    if (err instanceof StorageError && err.code === code) return err;
    throw new Error(`want StorageError ${code}, got ${String(err)}`);
  }
  throw new Error(`want StorageError ${code}, got success`);
}

export function throwsWith(fn: () => unknown, code: StorageErrorCode): StorageError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof StorageError && err.code === code) return err;
    throw new Error(`want StorageError ${code}, got ${String(err)}`);
  }
  throw new Error(`want StorageError ${code}, got success`);
}

export interface Backend {
  readonly name: string;
  open(): Promise<{ store: Store; cleanup: () => Promise<void> }>;
}
