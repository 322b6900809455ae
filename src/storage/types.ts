/**
 * The storage contract: an etcd-shaped, revisioned key-value store.
 *
 * Every successful write (a committed transaction) advances one global
 * revision by exactly one; all keys written by that transaction carry it as
 * their modRevision. The Kubernetes resourceVersion of an object is the
 * modRevision of its key, and a list's resourceVersion is the store revision
 * it was read at. Nothing above this interface may assume a particular
 * backend (memory, SQLite, etcd).
 */

/** One stored key with its revisions. `value` is opaque (JSON text above). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Revision of the transaction that created the key (since its last deletion). */
  readonly createRevision: number;
  /** Revision of the transaction that last wrote the key. */
  readonly modRevision: number;
}

/** A write inside a transaction. All ops of one txn commit together or not at all. */
export type TxnOp =
  /** Fails with StorageError 'KeyExists' when the key exists. */
  | { readonly type: 'create'; readonly key: string; readonly value: string }
  /**
   * Fails with 'NotFound' when absent, and with 'Conflict' when
   * expectedModRevision is given and differs from the key's modRevision.
   */
  | { readonly type: 'update'; readonly key: string; readonly value: string; readonly expectedModRevision?: number }
  /** Same preconditions as update. */
  | { readonly type: 'delete'; readonly key: string; readonly expectedModRevision?: number };

export interface TxnResult {
  /** The revision the transaction committed at. */
  readonly revision: number;
  /** One entry per op, in order: the key as written (for delete: as it was before). */
  readonly results: readonly KeyValue[];
}

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  /** For put: the new kv. For delete: key with the revision of the delete as modRevision and value ''. */
  readonly kv: KeyValue;
  /** The previous value of the key, when there was one. */
  readonly prevKv?: KeyValue;
  /** Revision of the transaction that produced the event (== kv.modRevision). */
  readonly revision: number;
}

export interface ListResult {
  readonly items: readonly KeyValue[];
  /** The store revision the list reflects. */
  readonly revision: number;
}

export interface WatchHandle {
  /** Stops delivery; idempotent. */
  close(): void;
}

export type StorageErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'Closed' | 'Internal';

/** The one error type storage throws. The apiserver maps it to a Status in one place. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    /** For Compacted: the oldest revision still available. For Conflict: the current modRevision. */
    readonly revision?: number,
    /** For txn failures: the key whose precondition failed. */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export interface Store {
  /** The latest committed revision (0 for an empty store). */
  currentRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** All keys with the prefix, sorted by key, at the current revision. */
  list(prefix: string): Promise<ListResult>;
  /**
   * Commits the ops atomically. Resolves only once the write is durable for
   * the backend (SQLite: fsynced). Rejects with StorageError and writes
   * nothing when any precondition fails.
   */
  txn(ops: readonly TxnOp[]): Promise<TxnResult>;
  /**
   * Delivers, in revision order, every event for keys with the prefix whose
   * revision is > afterRevision, first from history, then live. Throws
   * StorageError 'Compacted' (synchronously) when afterRevision is older than
   * the oldest retained revision minus one. Events of one revision arrive
   * together, in op order. The handler must not throw.
   */
  watch(prefix: string, afterRevision: number, onEvents: (events: readonly WatchEvent[]) => void): WatchHandle;
  /** Drops history for revisions <= revision. */
  compact(revision: number): Promise<void>;
  /** The oldest revision whose events are still retained minus one (0 when nothing was compacted). */
  compactedRevision(): number;
  close(): Promise<void>;
}
