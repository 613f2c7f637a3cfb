// Store micro-benchmark: memory and SQLite side by side, through the Store API.
// Run: node --import tsx bench/store.bench.ts [keys]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type StoreConfig } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';

const KEYS = Number(process.argv[2] ?? 20_000);
const RANGE_SIZE = 1_000;
const RANGE_ROUNDS = 200;
const value = new TextEncoder().encode(JSON.stringify({ kind: 'Pod', spec: { containers: [{ image: 'x'.repeat(600) }] } }));
const keyOf = (i: number) => `/registry/pods/ns${i % 10}/pod-${String(i).padStart(8, '0')}`;

type Rates = Record<string, number>;

async function measure(ops: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await run(i);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return ops / seconds;
}

async function benchmark(store: Store): Promise<Rates> {
  const rates: Rates = {};
  rates['creates/s'] = await measure(KEYS, (i) => store.create(keyOf(i), value));
  rates['gets/s'] = await measure(KEYS, (i) => store.range(keyOf((i * 7919) % KEYS)));
  rates['updates/s'] = await measure(KEYS, (i) => store.update(keyOf(i), value, 0));
  // Keys of one namespace are KEYS/10 apart in creation but contiguous in key order.
  const prefix = '/registry/pods/ns3/';
  rates[`ranges of ${RANGE_SIZE}/s`] = await measure(RANGE_ROUNDS, async () => {
    const result = await store.range(prefix, { prefix: true, limit: RANGE_SIZE });
    if (result.kvs.length !== Math.min(RANGE_SIZE, KEYS / 10)) throw new Error(`range returned ${result.kvs.length}`);
  });
  rates['deletes/s'] = await measure(KEYS, (i) => store.delete(keyOf(i)));
  return rates;
}

const dir = mkdtempSync(join(tmpdir(), 'k8ts-store-bench-'));
try {
  const backends: Array<[string, StoreConfig]> = [
    ['memory', { backend: 'memory' }],
    ['sqlite', { backend: 'sqlite', path: join(dir, 'bench.db') }],
  ];
  const results: Array<[string, Rates]> = [];
  for (const [name, config] of backends) {
    const store = await openStore(config);
    results.push([name, await benchmark(store)]);
    await store.close();
  }
  console.log(`store benchmark: ${KEYS} keys, ${value.length}-byte values`);
  console.log(['operation'.padEnd(20), ...results.map(([name]) => name.padStart(12))].join(''));
  for (const operation of Object.keys(results[0][1])) {
    const cells = results.map(([, rates]) => Math.round(rates[operation]).toLocaleString('en-US').padStart(12));
    console.log([operation.padEnd(20), ...cells].join(''));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
