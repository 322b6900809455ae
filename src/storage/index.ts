/**
 * Public face of storage: the Store contract and its backends.
 * Import storage only through this file.
 */
import { MemoryStore, type MemoryStoreOptions } from './memory.ts';
import { SqliteStore, type SqliteStoreOptions } from './sqlite.ts';
import type { Store } from './types.ts';

export * from './types.ts';
export { compareKeys } from './keys.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory.ts';
export { SqliteStore, type SqliteStoreOptions, type SqliteStoreStats } from './sqlite.ts';

export type StoreOptions =
  | ({ readonly kind: 'memory' } & MemoryStoreOptions)
  | ({ readonly kind: 'sqlite'; readonly path: string } & SqliteStoreOptions);

/**
 * Opens a store. For 'sqlite', `path` is the database file (created with its
 * parent directories if missing); rejects with StorageError 'Internal'
 * ("data directory is in use by another process …") when it is already open.
 */
export async function openStore(opts: StoreOptions): Promise<Store> {
  switch (opts.kind) {
    case 'memory':
      return new MemoryStore(opts);
    case 'sqlite':
      return SqliteStore.open(opts.path, opts);
  }
}
