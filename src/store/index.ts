// Opening a store by configuration. Both backends keep all state in this
// process; see sqlite-store.ts for what that assumes.

import type { StoreTimeOptions } from './engine-store.js';
import { openMemoryStore } from './memory-store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import type { Store } from './types.js';

export type StoreConfig = { backend: 'memory' } | ({ backend: 'sqlite' } & SqliteStoreOptions);
export type { StoreTimeOptions } from './engine-store.js';

/**
 * Async so that a backend which must connect first (etcd) fits the same call.
 * `time` drives lease expiry (tests pass a wheel on a ManualClock).
 */
export async function openStore(config: StoreConfig, time: StoreTimeOptions = {}): Promise<Store> {
  switch (config.backend) {
    case 'memory':
      return openMemoryStore(time);
    case 'sqlite':
      return openSqliteStore(config, time);
  }
}

export * from './types.js';
