// Opening a store by configuration.

import { openMemoryStore } from './memory-store.js';
import type { Store } from './types.js';

export type StoreConfig = { backend: 'memory' };

/** Async so that a backend which must connect first (etcd) fits the same call. */
export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.backend) {
    case 'memory':
      return openMemoryStore();
  }
}

export * from './types.js';
