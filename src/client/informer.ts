// An informer, as client-go's: list, then watch from the list's
// resourceVersion into a local cache, with handlers for adds, updates and
// deletes. When the watch ends (410 Gone, server restart) it relists and
// reports the difference, so consumers never miss a final state.
import type { KubeObject } from '../api/types.js';
import type { TimingWheel } from '../time/timing-wheel.js';
import type { ApiClient, ClientListOptions, ResourceRef } from './api-client.js';

export interface InformerHandlers {
  add?(obj: KubeObject): void;
  update?(oldObj: KubeObject, newObj: KubeObject): void;
  delete?(obj: KubeObject): void;
}

export type IndexFunction = (obj: KubeObject) => string[];

export function objectKey(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

const RELIST_DELAY_MS = 1000;

export class Informer {
  private readonly items = new Map<string, KubeObject>();
  private readonly handlers: InformerHandlers[] = [];
  private readonly indexers = new Map<string, IndexFunction>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private cancelWatch: (() => void) | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly client: ApiClient,
    readonly ref: ResourceRef,
    private readonly wheel: TimingWheel,
    private readonly opts: ClientListOptions & { namespace?: string } = {},
  ) {}

  addHandlers(handlers: InformerHandlers): void {
    this.handlers.push(handlers);
    // Late subscribers see the current state as adds, as client-go's shared informers do.
    if (this.synced) for (const obj of this.items.values()) handlers.add?.(obj);
  }

  /** Maintains a secondary index (e.g. pods by owner uid, by node). Add before start(). */
  addIndex(name: string, fn: IndexFunction): void {
    this.indexers.set(name, fn);
    this.indexes.set(name, new Map());
  }

  async start(): Promise<void> {
    await this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.cancelWatch?.();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.items.values()) if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj);
    return out;
  }

  byIndex(name: string, value: string): KubeObject[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) return [];
    const out: KubeObject[] = [];
    for (const key of keys) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const listed = await this.client.list(this.ref, this.opts.namespace, { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector });
      this.replace(listed.items);
      if (!this.synced) {
        this.synced = true;
        for (const resolve of this.syncWaiters) resolve();
        this.syncWaiters = [];
      }
      if (this.stopped) return;
      this.cancelWatch = await this.client.watch(this.ref, this.opts.namespace, listed.resourceVersion, {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
      }, {
        event: (type, obj) => {
          if (type === 'ADDED' || type === 'MODIFIED') this.upsert(obj);
          else if (type === 'DELETED') this.remove(objectKey(obj), obj);
        },
        closed: () => this.scheduleRelist(),
      });
    } catch {
      this.scheduleRelist();
    }
  }

  private scheduleRelist(): void {
    if (this.stopped) return;
    this.cancelWatch = undefined;
    this.wheel.schedule(RELIST_DELAY_MS, () => void this.relist());
  }

  /** Makes the cache equal to a fresh list, telling handlers what changed. */
  private replace(items: KubeObject[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      this.upsert(obj);
    }
    for (const [key, obj] of [...this.items]) if (!seen.has(key)) this.remove(key, obj);
  }

  private upsert(obj: KubeObject): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }

  private remove(key: string, obj: KubeObject): void {
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    this.unindex(key, old);
    for (const h of this.handlers) h.delete?.(obj);
  }

  private index(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name)!;
      for (const value of fn(obj)) {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys && keys.size === 0) index.delete(value);
      }
    }
  }
}

/** Index function: the uids of an object's owners. */
export const byOwnerUid: IndexFunction = (obj) => (obj.metadata.ownerReferences ?? []).map((o) => o.uid);

/** Index function: the uid of the object's controller owner. */
export const byControllerUid: IndexFunction = (obj) => (obj.metadata.ownerReferences ?? []).filter((o) => o.controller).map((o) => o.uid);
