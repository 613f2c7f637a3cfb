// The default backend: one SQLite file, modelled on kine (k3s' etcd shim).
//
// Every write appends one row to `kv`; the row's id is the write's revision.
// Reading at revision R means taking, per key, the latest row with id <= R
// and skipping it if it is a tombstone. prevKv is not copied into rows: a
// row's prev_revision points at the row it replaced.
//
// Single owner: the file is opened with an exclusive lock, so this process is
// the only writer. That is what makes two shortcuts sound: watchers are fed
// in-process after each commit (no polling of the table), and the revision
// counter is kept in memory.
//
// Durability: WAL mode with synchronous=NORMAL. A commit is in the WAL (in the
// OS page cache) before the write is acknowledged, so it survives kill -9 of
// this process; an OS crash or power loss can lose the last commits but never
// corrupts the file. synchronous=FULL (an fsync per commit, etcd's guarantee)
// is available through the options at a large cost in write throughput.

import Database from 'better-sqlite3';
import { EngineStore, type StoreTimeOptions } from './engine-store.js';
import {
  changeToEvent,
  type Change,
  type LeasedKey,
  type PersistedLease,
  type RangeQuery,
  type RangeRows,
  type StorageEngine,
} from './engine.js';
import type { KeyBounds } from './key-range.js';
import type { KeyValue, Store, WatchEvent } from './types.js';

export interface SqliteStoreOptions {
  path: string;
  /** 'normal' (default): survives process crashes; 'full': also survives power loss, fsyncing every commit. */
  synchronous?: 'normal' | 'full';
}

export function openSqliteStore(options: SqliteStoreOptions, time: StoreTimeOptions = {}): Store {
  const engine = new SqliteEngine(options);
  try {
    return new EngineStore(engine, time);
  } catch (err) {
    engine.close();
    throw err;
  }
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS kv (
    -- The revision of the write. AUTOINCREMENT keeps ids growing after
    -- compaction has deleted the highest rows' predecessors (sqlite_sequence).
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- 1: the key was deleted at this revision (a tombstone).
    deleted INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    -- The row this write replaced, which holds prevKv; 0 when the key did not exist.
    prev_revision INTEGER NOT NULL,
    -- etcd's version: puts since creation. Version 1 marks a create (kine's "created").
    version INTEGER NOT NULL,
    lease INTEGER NOT NULL,
    value BLOB NOT NULL
  );
  -- Per-key history in revision order; covers the tombstone check of counts.
  CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id, deleted);
  CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  -- Live leases. The deadline is wall time (ms since the epoch): the only
  -- clock that still means something when the store is reopened.
  CREATE TABLE IF NOT EXISTS lease (
    id INTEGER PRIMARY KEY,
    ttl_seconds INTEGER NOT NULL,
    expires_at_wall_ms INTEGER NOT NULL
  );
  -- Finds leased keys on open without scanning unleased rows.
  CREATE INDEX IF NOT EXISTS kv_leased ON kv (lease) WHERE lease != 0;
`;

interface KvRow {
  id: number;
  name: string;
  value: Uint8Array;
  create_revision: number;
  version: number;
  lease: number;
}

interface EventRow extends KvRow {
  deleted: number;
  prev_id: number | null;
  prev_value: Uint8Array | null;
  prev_create_revision: number | null;
  prev_version: number | null;
  prev_lease: number | null;
}


const KV_COLUMNS = 'kv.id, kv.name, kv.value, kv.create_revision, kv.version, kv.lease';

export class SqliteEngine implements StorageEngine {
  private readonly db: Database.Database;
  private latestRevision: number;
  private compactRevision: number;
  private readonly statements;
  private readonly transaction: <T>(fn: () => T) => T;

  constructor(options: SqliteStoreOptions) {
    // No busy wait: the only reason for a lock conflict is a second owner, which must fail now.
    this.db = new Database(options.path, { timeout: 0 });
    try {
      // Exclusive before WAL: the wal-index then lives in process memory and a
      // second process cannot open the file at all (see "Single owner").
      this.db.pragma('locking_mode = EXCLUSIVE');
      const mode = this.db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`SQLite store ${options.path}: cannot use WAL (journal_mode is ${mode})`);
      this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.statements = prepareStatements(this.db);
    this.latestRevision = this.readLatestRevision();
    this.compactRevision = this.statements.compactRevision.get()?.value ?? 0;
    const transaction = this.db.transaction((fn: () => unknown) => fn());
    this.transaction = <T>(fn: () => T) => transaction(fn) as T;
  }

  revision(): number {
    return this.latestRevision;
  }

  compactedRevision(): number {
    return this.compactRevision;
  }

  get(key: string): KeyValue | undefined {
    const row = this.statements.latestOfKey.get(key);
    return row && !row.deleted ? rowToKv(row) : undefined;
  }

  range(query: RangeQuery): RangeRows {
    const bounds = { start: query.start, end: query.end ?? null, revision: query.revision };
    if (query.countOnly) return { kvs: [], more: false, count: this.statements.count.get(bounds)!.count };
    // One row beyond the limit tells whether there are more, without counting in the common case.
    const limit = query.limit > 0 ? query.limit + 1 : -1;
    const kvs = this.statements.range.all({ ...bounds, limit }).map(rowToKv);
    if (query.limit === 0 || kvs.length <= query.limit) return { kvs, more: false, count: kvs.length };
    kvs.pop();
    return { kvs, more: true, count: this.statements.count.get(bounds)!.count };
  }

  eventsSince(fromRevision: number, bounds: KeyBounds): WatchEvent[] {
    const rows = this.statements.eventsSince.all({ from: fromRevision, start: bounds.start, end: bounds.end ?? null });
    return rows.map((row) => changeToEvent(rowToChange(row)));
  }

  append(change: Change): void {
    const kv = change.kv;
    this.statements.insert.run({
      id: change.revision,
      name: change.key,
      deleted: kv ? 0 : 1,
      create_revision: kv ? kv.createRevision : change.prevKv!.createRevision,
      prev_revision: change.prevKv?.modRevision ?? 0,
      version: kv ? kv.version : 0,
      lease: kv ? kv.lease : 0,
      value: kv ? kv.value : EMPTY,
    });
    this.latestRevision = change.revision;
  }

  loadLeases(): PersistedLease[] {
    return this.statements.leases.all().map((row) => ({
      id: row.id,
      ttlSeconds: row.ttl_seconds,
      expiresAtWallMs: row.expires_at_wall_ms,
    }));
  }

  saveLease(lease: PersistedLease): void {
    this.statements.saveLease.run({ id: lease.id, ttl_seconds: lease.ttlSeconds, expires_at_wall_ms: lease.expiresAtWallMs });
  }

  deleteLease(id: number): void {
    this.statements.deleteLease.run(id);
  }

  leasedKeys(): LeasedKey[] {
    return this.statements.leasedKeys.all().map((row) => ({ key: row.name, lease: row.lease }));
  }

  atomically<T>(fn: () => T): T {
    return this.transaction(fn);
  }

  compact(revision: number): void {
    this.transaction(() => {
      const range = { from: this.compactRevision, revision };
      this.statements.deleteSuperseded.run(range);
      this.statements.deleteTombstones.run(range);
      this.statements.setCompactRevision.run({ revision });
    });
    this.compactRevision = revision;
  }

  close(): void {
    this.db.close();
  }

  /** sqlite_sequence remembers the highest id ever used, even when compaction deleted that row. */
  private readLatestRevision(): number {
    return this.statements.lastRevision.get()?.seq ?? 0;
  }
}

const EMPTY = new Uint8Array(0);

function prepareStatements(db: Database.Database) {
  return {
    lastRevision: db.prepare<[], { seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = 'kv'`),
    compactRevision: db.prepare<[], { value: number }>(`SELECT value FROM meta WHERE name = 'compact_revision'`),
    latestOfKey: db.prepare<[string], KvRow & { deleted: number }>(
      `SELECT ${KV_COLUMNS}, kv.deleted FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1`,
    ),
    // Walks the (name, id) index in key order and keeps a row when no newer
    // row of its key exists at the revision: no sort, and LIMIT stops the walk.
    range: db.prepare<[{ start: string; end: string | null; revision: number; limit: number }], KvRow>(`
      SELECT ${KV_COLUMNS} FROM kv
      WHERE name >= @start AND (@end IS NULL OR name < @end) AND id <= @revision AND deleted = 0
        AND NOT EXISTS (
          SELECT 1 FROM kv AS newer WHERE newer.name = kv.name AND newer.id > kv.id AND newer.id <= @revision)
      ORDER BY name
      LIMIT @limit`),
    // Per key the latest row at the revision (a bare column in a MAX() query
    // comes from the max row), counted unless a tombstone; index-only.
    count: db.prepare<[{ start: string; end: string | null; revision: number }], { count: number }>(`
      SELECT COUNT(*) AS count FROM (
        SELECT MAX(id), deleted FROM kv
        WHERE name >= @start AND (@end IS NULL OR name < @end) AND id <= @revision
        GROUP BY name)
      WHERE deleted = 0`),
    eventsSince: db.prepare<[{ from: number; start: string; end: string | null }], EventRow>(`
      SELECT ${KV_COLUMNS}, kv.deleted,
        prev.id AS prev_id, prev.value AS prev_value, prev.create_revision AS prev_create_revision,
        prev.version AS prev_version, prev.lease AS prev_lease
      FROM kv LEFT JOIN kv AS prev ON prev.id = kv.prev_revision
      WHERE kv.id >= @from AND kv.name >= @start AND (@end IS NULL OR kv.name < @end)
      ORDER BY kv.id`),
    insert: db.prepare(`
      INSERT INTO kv (id, name, deleted, create_revision, prev_revision, version, lease, value)
      VALUES (@id, @name, @deleted, @create_revision, @prev_revision, @version, @lease, @value)`),
    // Compaction at R keeps what reads at R and later, and watches from R, need:
    // per key the row live at R, and every row from R on together with the row
    // each of those replaced (their prevKv). So a row goes once the row that
    // replaced it is itself below R; tombstones below R go too. Rows replaced
    // below the previous compaction are already gone, hence the lower bound.
    deleteSuperseded: db.prepare(`
      DELETE FROM kv WHERE id IN (
        SELECT prev_revision FROM kv WHERE id >= @from AND id < @revision AND prev_revision != 0)`),
    deleteTombstones: db.prepare(`DELETE FROM kv WHERE deleted = 1 AND id >= @from AND id < @revision`),
    leases: db.prepare<[], { id: number; ttl_seconds: number; expires_at_wall_ms: number }>(
      `SELECT id, ttl_seconds, expires_at_wall_ms FROM lease`,
    ),
    saveLease: db.prepare(`
      INSERT INTO lease (id, ttl_seconds, expires_at_wall_ms) VALUES (@id, @ttl_seconds, @expires_at_wall_ms)
      ON CONFLICT (id) DO UPDATE SET ttl_seconds = excluded.ttl_seconds, expires_at_wall_ms = excluded.expires_at_wall_ms`),
    deleteLease: db.prepare<[number]>(`DELETE FROM lease WHERE id = ?`),
    // A key's latest row carries its current lease; older rows of the key do not count.
    leasedKeys: db.prepare<[], { name: string; lease: number }>(`
      SELECT name, lease FROM kv
      WHERE lease != 0 AND deleted = 0
        AND NOT EXISTS (SELECT 1 FROM kv AS newer WHERE newer.name = kv.name AND newer.id > kv.id)`),
    setCompactRevision: db.prepare(`
      INSERT INTO meta (name, value) VALUES ('compact_revision', @revision)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value`),
  };
}

function rowToKv(row: KvRow): KeyValue {
  return {
    key: row.name,
    value: plainBytes(row.value),
    createRevision: row.create_revision,
    modRevision: row.id,
    version: row.version,
    lease: row.lease,
  };
}

function rowToChange(row: EventRow): Change {
  const change: Change = { revision: row.id, key: row.name };
  if (!row.deleted) change.kv = rowToKv(row);
  if (row.prev_id !== null) {
    change.prevKv = rowToKv({
      id: row.prev_id,
      name: row.name,
      value: row.prev_value!,
      create_revision: row.prev_create_revision!,
      version: row.prev_version!,
      lease: row.prev_lease!,
    });
  }
  return change;
}

/** better-sqlite3 returns Buffers; hand out plain Uint8Arrays (a view, no copy) like the other backends. */
function plainBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
