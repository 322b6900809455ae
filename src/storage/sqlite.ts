/**
 * Durable Store on one SQLite file (better-sqlite3), with group commit.
 * Layout, durability and locking are described in ./README.md.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { prefixEnd } from './keys.ts';
import { planTxn, validateOps } from './plan-txn.ts';
import { LOG_DELETE, LOG_PUT, SCHEMA_SQL, SCHEMA_VERSION, type KvRow, type LogRow } from './sqlite-schema.ts';
import {
  StorageError,
  type KeyValue,
  type ListResult,
  type Store,
  type TxnOp,
  type TxnResult,
  type WatchEvent,
  type WatchHandle,
} from './types.ts';
import { WatchHub } from './watch-hub.ts';

export interface SqliteStoreOptions {
  /**
   * 'full' (default): every commit is fsynced before its txn resolves.
   * 'off': no fsync; survives a process crash but not power loss. For tests.
   */
  readonly synchronous?: 'full' | 'off';
  /** Revisions of watch history kept (default 100000). Infinity disables automatic compaction. */
  readonly retainRevisions?: number;
}

/** Counters for tests and benchmarks. */
export interface SqliteStoreStats {
  /** SQLite write transactions committed (txn batches and compaction steps). */
  readonly sqliteCommits: number;
  /** Store transactions committed (each got its own revision). */
  readonly txnsCommitted: number;
  /** Store transactions rejected (failed precondition or commit error). */
  readonly txnsRejected: number;
  /** Most store transactions committed in one SQLite transaction. */
  readonly largestBatch: number;
}

interface Pending {
  readonly ops: readonly TxnOp[];
  readonly resolve: (r: TxnResult) => void;
  readonly reject: (e: unknown) => void;
}

type Outcome =
  | { readonly ok: true; readonly result: TxnResult; readonly events: readonly WatchEvent[] }
  | { readonly ok: false; readonly error: StorageError };

/** Most revisions one background compaction step deletes, to bound event-loop stalls. */
const COMPACTION_STEP = 10000;

export class SqliteStore implements Store {
  private readonly hub = new WatchHub();
  private readonly retain: number;
  private revision: number;
  private compacted: number;
  private queue: Pending[] = [];
  private flushTimer: NodeJS.Immediate | undefined;
  private compactionTimer: NodeJS.Immediate | undefined;
  private closed = false;
  private counters = { sqliteCommits: 0, txnsCommitted: 0, txnsRejected: 0, largestBatch: 0 };
  private readonly stmt: ReturnType<typeof prepareStatements>;

  /**
   * Opens (creating if needed) the database file at `path` and takes an
   * exclusive lock on it for the life of the store. Throws StorageError
   * 'Internal' when another process (or another store in this one) has it open.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { timeout: 0 });
      // EXCLUSIVE before the first WAL access: SQLite then keeps the wal-index
      // in heap memory (no -shm file) and holds the file lock until close, so
      // a second opener, in any process, gets SQLITE_BUSY.
      db.pragma('locking_mode = EXCLUSIVE');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new StorageError('Internal', `Open ${path}: journal_mode is "${String(mode)}", want "wal"`);
      db.pragma(`synchronous = ${options.synchronous === 'off' ? 'OFF' : 'FULL'}`);
      db.pragma('temp_store = MEMORY');
      db.pragma('cache_size = -32768'); // 32 MiB
      // A write at open takes the exclusive lock now rather than at the first txn.
      db.exec(`BEGIN IMMEDIATE; ${SCHEMA_SQL} UPDATE meta SET value = value + 1 WHERE name = 'opens'; COMMIT;`);
      return new SqliteStore(db, path, options);
    } catch (err: unknown) {
      try {
        db?.close();
      } catch {
        // Already failing; the first error is the one to report.
      }
      throw translateOpenError(err, path);
    }
  }

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    options: SqliteStoreOptions,
  ) {
    this.retain = options.retainRevisions ?? 100000;
    if (!(this.retain >= 1)) throw new StorageError('Internal', `retainRevisions must be >= 1, got ${this.retain}`);
    this.stmt = prepareStatements(db);
    const meta = new Map(this.stmt.meta.all().map((r) => [r.name, r.value]));
    if (meta.get('schema') !== SCHEMA_VERSION) {
      throw new StorageError('Internal', `Open ${path}: schema version ${String(meta.get('schema'))} is not supported (want ${SCHEMA_VERSION})`);
    }
    this.compacted = meta.get('compacted') ?? 0;
    const lastLogged = (db.prepare('SELECT MAX(revision) AS r FROM log').get() as { r: number | null }).r ?? 0;
    this.revision = Math.max(lastLogged, this.compacted, meta.get('revision') ?? 0);
    this.maybeScheduleCompaction();
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.revision;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    return this.readKv(key);
  }

  async list(prefix: string): Promise<ListResult> {
    this.checkOpen();
    const end = prefixEnd(prefix);
    const rows =
      prefix === '' ? this.stmt.listAll.all()
      : end === undefined ? this.stmt.listFrom.all(prefix).filter((r) => r.key.startsWith(prefix))
      : this.stmt.listRange.all(prefix, end);
    return { items: rows.map(kvFromRow), revision: this.revision };
  }

  /**
   * Queues the txn for the next group commit (on setImmediate): every txn
   * queued by then shares one SQLite transaction and one fsync, but is
   * planned on its own, against the state left by the txns before it, and
   * gets its own revision. Resolves after COMMIT returned.
   */
  txn(ops: readonly TxnOp[]): Promise<TxnResult> {
    return new Promise<TxnResult>((resolve, reject) => {
      this.checkOpen();
      validateOps(ops);
      // Copy: the caller may reuse its array before the flush.
      this.queue.push({ ops: ops.map((op) => ({ ...op })), resolve, reject });
      this.flushTimer ??= setImmediate(() => this.flush());
    });
  }

  watch(prefix: string, afterRevision: number, onEvents: (events: readonly WatchEvent[]) => void): WatchHandle {
    this.checkOpen();
    if (afterRevision < this.compacted) {
      throw new StorageError(
        'Compacted',
        `revision ${afterRevision} has been compacted; oldest watchable is ${this.compacted}`,
        this.compacted + 1,
      );
    }
    const end = prefixEnd(prefix);
    const rows =
      prefix === '' ? this.stmt.historyAll.all(afterRevision)
      : end === undefined ? this.stmt.historyFrom.all(afterRevision, prefix).filter((r) => r.key.startsWith(prefix))
      : this.stmt.historyRange.all(afterRevision, prefix, end);
    return this.hub.add(prefix, afterRevision, this.revision, rows.map(eventFromRow), onEvents);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    this.compactTo(Math.min(revision, this.revision));
  }

  compactedRevision(): number {
    return this.compacted;
  }

  stats(): SqliteStoreStats {
    return { ...this.counters };
  }

  /** Commits what is queued, stops watchers, checkpoints and releases the file lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.flushTimer) {
      clearImmediate(this.flushTimer);
      this.flush();
    }
    this.closed = true;
    if (this.compactionTimer) clearImmediate(this.compactionTimer);
    this.compactionTimer = undefined;
    this.hub.closeAll();
    this.db.close();
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes: Outcome[] = [];
    let rev = this.revision;
    try {
      this.stmt.begin.run();
      for (const p of batch) {
        let plan;
        try {
          plan = planTxn(p.ops, rev + 1, (k) => this.readKv(k));
        } catch (err: unknown) {
          if (!(err instanceof StorageError)) throw err;
          outcomes.push({ ok: false, error: err });
          continue;
        }
        if (plan.writes.size === 0) {
          outcomes.push({ ok: true, result: { revision: rev, results: [] }, events: [] });
          continue;
        }
        rev += 1;
        this.writePlan(rev, plan.writes, plan.events);
        outcomes.push({ ok: true, result: { revision: rev, results: plan.results }, events: plan.events });
      }
      this.stmt.commit.run();
    } catch (err: unknown) {
      this.rollbackQuietly();
      const error = new StorageError('Internal', `Commit to ${this.path} failed: ${errorMessage(err)}`);
      this.counters.txnsRejected += batch.length;
      for (const p of batch) p.reject(error);
      return;
    }
    const committed = rev - this.revision;
    this.revision = rev;
    if (committed > 0) {
      this.counters.sqliteCommits += 1;
      this.counters.largestBatch = Math.max(this.counters.largestBatch, committed);
    }
    // Durable now: tell watchers (in revision order), then the callers.
    for (const o of outcomes) if (o.ok && o.events.length > 0) this.hub.publish(o.result.revision, o.events);
    for (const [i, o] of outcomes.entries()) {
      if (o.ok) {
        this.counters.txnsCommitted += 1;
        batch[i].resolve(o.result);
      } else {
        this.counters.txnsRejected += 1;
        batch[i].reject(o.error);
      }
    }
    this.maybeScheduleCompaction();
  }

  private writePlan(rev: number, writes: ReadonlyMap<string, KeyValue | null>, events: readonly WatchEvent[]): void {
    for (const [key, kv] of writes) {
      if (kv) this.stmt.upsert.run(key, kv.value, kv.createRevision, kv.modRevision);
      else this.stmt.deleteKv.run(key);
    }
    for (const [idx, e] of events.entries()) {
      const put = e.type === 'put';
      this.stmt.insertLog.run(
        rev,
        idx,
        e.kv.key,
        put ? LOG_PUT : LOG_DELETE,
        put ? e.kv.value : null,
        put ? e.kv.createRevision : null,
        e.prevKv?.value ?? null,
        e.prevKv?.createRevision ?? null,
        e.prevKv?.modRevision ?? null,
      );
    }
  }

  private readKv(key: string): KeyValue | undefined {
    const row = this.stmt.get.get(key);
    return row && kvFromRow(row);
  }

  /** Drops log rows <= revision in one SQLite transaction. */
  private compactTo(revision: number): void {
    if (revision <= this.compacted) return;
    try {
      this.stmt.begin.run();
      this.stmt.compactLog.run(revision);
      this.stmt.setMeta.run(revision, 'compacted');
      this.stmt.commit.run();
    } catch (err: unknown) {
      this.rollbackQuietly();
      throw new StorageError('Internal', `Compact ${this.path} to revision ${revision} failed: ${errorMessage(err)}`);
    }
    this.counters.sqliteCommits += 1;
    this.compacted = revision;
  }

  /**
   * Background compaction: once history exceeds retainRevisions by a tenth,
   * trim it back in steps of at most COMPACTION_STEP revisions, one step per
   * turn of the event loop, so a big backlog never stalls it for long.
   */
  private maybeScheduleCompaction(): void {
    if (this.compactionTimer || this.closed || !Number.isFinite(this.retain)) return;
    const slack = Math.max(1, Math.floor(this.retain / 10));
    if (this.revision - this.compacted <= this.retain + slack) return;
    this.compactionTimer = setImmediate(() => this.compactionStep());
    this.compactionTimer.unref();
  }

  private compactionStep(): void {
    this.compactionTimer = undefined;
    if (this.closed) return;
    const target = this.revision - this.retain;
    try {
      this.compactTo(Math.min(target, this.compacted + COMPACTION_STEP));
    } catch (err: unknown) {
      process.emitWarning(`storage background compaction: ${errorMessage(err)}`);
      return;
    }
    if (this.compacted < target) {
      this.compactionTimer = setImmediate(() => this.compactionStep());
      this.compactionTimer.unref();
    }
  }

  private rollbackQuietly(): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // SQLite may already have rolled back (e.g. after an I/O error).
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('Closed', `Store ${this.path} is closed`);
  }
}

function prepareStatements(db: Database.Database) {
  const kvCols = 'key, value, create_rev, mod_rev';
  const logCols = 'revision, idx, key, type, value, create_rev, prev_value, prev_create_rev, prev_mod_rev';
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    meta: db.prepare<[], { name: string; value: number }>('SELECT name, value FROM meta'),
    setMeta: db.prepare<[number, string]>('UPDATE meta SET value = ? WHERE name = ?'),
    get: db.prepare<[string], KvRow>(`SELECT ${kvCols} FROM kv WHERE key = ?`),
    listAll: db.prepare<[], KvRow>(`SELECT ${kvCols} FROM kv ORDER BY key`),
    listFrom: db.prepare<[string], KvRow>(`SELECT ${kvCols} FROM kv WHERE key >= ? ORDER BY key`),
    listRange: db.prepare<[string, string], KvRow>(`SELECT ${kvCols} FROM kv WHERE key >= ? AND key < ? ORDER BY key`),
    upsert: db.prepare<[string, string, number, number]>(
      `INSERT INTO kv (${kvCols}) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET
         value = excluded.value, create_rev = excluded.create_rev, mod_rev = excluded.mod_rev`,
    ),
    deleteKv: db.prepare<[string]>('DELETE FROM kv WHERE key = ?'),
    insertLog: db.prepare<[number, number, string, number, string | null, number | null, string | null, number | null, number | null]>(
      `INSERT INTO log (${logCols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    historyAll: db.prepare<[number], LogRow>(`SELECT ${logCols} FROM log WHERE revision > ? ORDER BY revision, idx`),
    historyFrom: db.prepare<[number, string], LogRow>(
      `SELECT ${logCols} FROM log WHERE revision > ? AND key >= ? ORDER BY revision, idx`,
    ),
    historyRange: db.prepare<[number, string, string], LogRow>(
      `SELECT ${logCols} FROM log WHERE revision > ? AND key >= ? AND key < ? ORDER BY revision, idx`,
    ),
    compactLog: db.prepare<[number]>('DELETE FROM log WHERE revision <= ?'),
  };
}

function kvFromRow(r: KvRow): KeyValue {
  return Object.freeze({ key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.mod_rev });
}

function eventFromRow(r: LogRow): WatchEvent {
  const prevKv =
    r.prev_mod_rev === null ? undefined
    : Object.freeze({ key: r.key, value: r.prev_value ?? '', createRevision: r.prev_create_rev ?? 0, modRevision: r.prev_mod_rev });
  const kv =
    r.type === LOG_PUT ? Object.freeze({ key: r.key, value: r.value ?? '', createRevision: r.create_rev ?? 0, modRevision: r.revision })
    : Object.freeze({ key: r.key, value: '', createRevision: 0, modRevision: r.revision });
  const type = r.type === LOG_PUT ? 'put' : 'delete';
  return Object.freeze(prevKv ? { type, kv, prevKv, revision: r.revision } : { type, kv, revision: r.revision });
}

function translateOpenError(err: unknown, path: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    return new StorageError('Internal', `data directory is in use by another process (${path} is locked: ${errorMessage(err)})`);
  }
  return new StorageError('Internal', `Open ${path} failed: ${errorMessage(err)}`);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
