// Opening a store by configuration. Both backends keep all state in this
// process; see sqlite-store.ts for what that assumes.

import { openMemoryStore } from './memory-store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import type { Store } from './types.js';

export type StoreConfig = { backend: 'memory' } | ({ backend: 'sqlite' } & SqliteStoreOptions);

/** Async so that a backend which must connect first (etcd) fits the same call. */
export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.backend) {
    case 'memory':
      return openMemoryStore();
    case 'sqlite':
      return openSqliteStore(config);
  }
}

export * from './types.js';
