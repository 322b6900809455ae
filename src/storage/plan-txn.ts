/**
 * Pure transaction planning, shared by every backend so that preconditions
 * and results mean exactly the same thing everywhere.
 */
import { StorageError, type KeyValue, type TxnOp, type WatchEvent } from './types.ts';

export interface TxnPlan {
  /** One per op, in op order (TxnResult.results). */
  readonly results: KeyValue[];
  /** One per op, in op order: what watchers see. */
  readonly events: WatchEvent[];
  /** Final state of every written key: a kv, or null when deleted. Insertion order = first write. */
  readonly writes: Map<string, KeyValue | null>;
}

/**
 * Plans `ops` as one transaction at `revision`, reading current state through
 * `read`. Ops apply in order: a later op on the same key sees the earlier
 * one's effect. Throws StorageError on the first failed precondition; the
 * caller then writes nothing. Deterministic; never mutates its inputs.
 *
 * Returned objects are frozen: they are shared with watchers.
 */
export function planTxn(
  ops: readonly TxnOp[],
  revision: number,
  read: (key: string) => KeyValue | undefined,
): TxnPlan {
  const writes = new Map<string, KeyValue | null>();
  const current = (key: string): KeyValue | undefined => {
    const w = writes.get(key);
    return w === undefined ? read(key) : (w ?? undefined);
  };
  const results: KeyValue[] = [];
  const events: WatchEvent[] = [];
  for (const op of ops) {
    const prev = current(op.key);
    if (op.type === 'create') {
      if (prev) throw new StorageError('KeyExists', `key "${op.key}" already exists`, prev.modRevision, op.key);
      const kv = Object.freeze({ key: op.key, value: op.value, createRevision: revision, modRevision: revision });
      writes.set(op.key, kv);
      results.push(kv);
      events.push(Object.freeze({ type: 'put', kv, revision }));
      continue;
    }
    if (!prev) throw new StorageError('NotFound', `key "${op.key}" not found`, undefined, op.key);
    if (op.expectedModRevision !== undefined && op.expectedModRevision !== prev.modRevision) {
      throw new StorageError(
        'Conflict',
        `key "${op.key}" has modRevision ${prev.modRevision}, expected ${op.expectedModRevision}`,
        prev.modRevision,
        op.key,
      );
    }
    if (op.type === 'update') {
      const kv = Object.freeze({ key: op.key, value: op.value, createRevision: prev.createRevision, modRevision: revision });
      writes.set(op.key, kv);
      results.push(kv);
      events.push(Object.freeze({ type: 'put', kv, prevKv: prev, revision }));
    } else {
      writes.set(op.key, null);
      results.push(prev);
      const kv = Object.freeze({ key: op.key, value: '', createRevision: 0, modRevision: revision });
      events.push(Object.freeze({ type: 'delete', kv, prevKv: prev, revision }));
    }
  }
  return { results, events, writes };
}

/** Rejects malformed ops before they reach a backend (callers may be untyped). */
export function validateOps(ops: readonly TxnOp[]): void {
  if (!Array.isArray(ops)) throw new StorageError('Internal', 'Txn ops must be an array');
  for (const [i, op] of ops.entries()) {
    const o = op as Partial<Record<string, unknown>> | null;
    if (o === null || typeof o !== 'object') throw new StorageError('Internal', `Txn op ${i} is not an object`);
    if (o.type !== 'create' && o.type !== 'update' && o.type !== 'delete') {
      throw new StorageError('Internal', `Txn op ${i} has unknown type "${String(o.type)}"`);
    }
    if (typeof o.key !== 'string' || o.key === '') throw new StorageError('Internal', `Txn op ${i} needs a non-empty string key`);
    if (o.type !== 'delete' && typeof o.value !== 'string') {
      throw new StorageError('Internal', `Txn op ${i} (key "${o.key}") needs a string value`);
    }
    const e = o.expectedModRevision;
    if (e !== undefined && (typeof e !== 'number' || !Number.isSafeInteger(e) || e < 0)) {
      throw new StorageError('Internal', `Txn op ${i} (key "${o.key}") has an invalid expectedModRevision`);
    }
  }
}
