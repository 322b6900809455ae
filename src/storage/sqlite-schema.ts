/**
 * On-disk layout of the SQLite backend (schema version 2).
 *
 *   kv    the current state: one row per live key.
 *   log   the event history, one row per op of every committed txn, keyed by
 *         (revision, idx); holds the previous value so watchers get prevKv
 *         even after the key's earlier history was compacted.
 *   meta  named integers: 'schema', 'compacted' (history <= it was
 *         dropped), 'opens' (diagnostic; the write at open also takes the
 *         exclusive lock). The latest revision is not stored: it is
 *         max(MAX(log.revision), compacted), so a commit writes no meta page.
 *
 * kv and log are ordinary rowid tables (version 1 used WITHOUT ROWID): with
 * values of about 1 KiB, an index-organized row spills past ~1,000 bytes into
 * a mostly empty overflow page, which more than doubled the bytes written per
 * commit (measured in bench/apiserver: 38 KiB → 16 KiB of WAL per txn).
 *
 * Keys are TEXT with BINARY collation: UTF-8 byte order == code point order,
 * matching compareKeys().
 */
export const SCHEMA_VERSION = 2;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS kv (
  key        TEXT    PRIMARY KEY,
  value      TEXT    NOT NULL,
  create_rev INTEGER NOT NULL,
  mod_rev    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
  revision        INTEGER NOT NULL,
  idx             INTEGER NOT NULL,
  key             TEXT    NOT NULL,
  type            INTEGER NOT NULL,  -- 0 put, 1 delete
  value           TEXT,              -- put: new value; delete: NULL
  create_rev      INTEGER,           -- put: new createRevision; delete: NULL
  prev_value      TEXT,              -- NULL when the key did not exist
  prev_create_rev INTEGER,
  prev_mod_rev    INTEGER,
  PRIMARY KEY (revision, idx)
);
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES
  ('schema', ${SCHEMA_VERSION}), ('revision', 0), ('compacted', 0), ('opens', 0);
`;

export const LOG_PUT = 0;
export const LOG_DELETE = 1;

export interface KvRow {
  key: string;
  value: string;
  create_rev: number;
  mod_rev: number;
}

export interface LogRow {
  revision: number;
  idx: number;
  key: string;
  type: number;
  value: string | null;
  create_rev: number | null;
  prev_value: string | null;
  prev_create_rev: number | null;
  prev_mod_rev: number | null;
}
