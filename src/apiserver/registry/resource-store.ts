// The generic registry: create, get, list, update, patch, delete and watch
// for any kind, given its strategy (kube-apiserver's
// registry/generic/registry.Store). Kind-specific behaviour comes only from
// the strategy and the small hooks below.
import type { KindStrategy } from '../../api/strategy.js';
import type { FieldError, KubeObject, StatusCause } from '../../api/types.js';
import { apiVersionOf } from '../../api/resources.js';
import { deepClone, jsonEqual } from '../../api/object-paths.js';
import type { KeyValue, Store } from '../../store/types.js';
import { CompactedError } from '../../store/types.js';
import { decodeObject, encodeObject } from '../codec.js';
import {
  ApiError, OPTIMISTIC_LOCK_MESSAGE, alreadyExists, badRequest, conflict, gone, invalid, notFound,
} from '../errors.js';
import { matchesAll, type LabelRequirement } from '../selectors/label-selector.js';
import { matchesFields, type FieldRequirement } from '../selectors/field-selector.js';
import { namespacePrefix, objectKey } from './keys.js';
import { generateName, newUid, rfc3339 } from './names.js';
import { TooOldResourceVersionError, type CacheEvent, type CacheWatcher, type WatchCache } from '../watch-cache.js';
import type { PatchMeta } from '../patch/patch-meta.js';
import { baseOwnership, encodeManagedFields, ownershipAfterUpdate, type TrackedScope } from '../fieldmanager/managed-fields.js';
import { applyConfiguration } from '../fieldmanager/server-side-apply.js';

export interface ListOptions {
  labelSelector: LabelRequirement[];
  fieldSelector: FieldRequirement[];
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  dryRun: boolean;
  /** Who writes, for metadata.managedFields; absent: ownership is left as it is (in-process writers). */
  fieldManager?: string;
}

export interface ApplyRequest extends WriteOptions {
  fieldManager: string;
  force: boolean;
  subresource: '' | 'status';
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type Subresource = '' | 'status' | 'finalize' | 'binding';

/** Renders field errors into Kubernetes' 422 Invalid. */
export type InvalidFormatter = (kind: string, group: string, name: string, errs: FieldError[]) => { message: string; causes: StatusCause[] };

export interface RegistryContext {
  store: Store;
  /** Wall clock in ms, for timestamps. */
  nowMs(): number;
  formatInvalid: InvalidFormatter;
  /** Checks the namespace exists and accepts new objects; throws ApiError otherwise. */
  checkNamespaceForCreate(namespace: string, name: string): void | Promise<void>;
  /** Kind-specific create-time hooks (cluster IP allocation and the like). */
  beforeCreate?(strategy: KindStrategy, obj: KubeObject): void;
  /** The schema server-side apply merges and tracks ownership by (list types, merge keys). */
  fieldSchema?(strategy: KindStrategy): PatchMeta | undefined;
}

/** Set by apply, which settles managedFields itself. */
interface OwnershipSettled {
  ownershipSettled?: boolean;
}

const MAX_CONFLICT_RETRIES = 5;

export class ResourceStore {
  readonly gr: { group: string; resource: string };

  constructor(
    readonly strategy: KindStrategy,
    private readonly ctx: RegistryContext,
    readonly cache: WatchCache,
  ) {
    this.gr = { group: strategy.info.group, resource: strategy.info.plural };
  }

  private get info() {
    return this.strategy.info;
  }

  /** Objects come out of the store in the storage version; conversion None only changes apiVersion. */
  private fromStorage(obj: KubeObject): KubeObject {
    const served = apiVersionOf(this.info);
    return this.strategy.storageApiVersion && obj.apiVersion !== served ? { ...obj, apiVersion: served } : obj;
  }

  private encode(obj: KubeObject): Uint8Array {
    const storage = this.strategy.storageApiVersion;
    return encodeObject(storage && obj.apiVersion !== storage ? { ...obj, apiVersion: storage } : obj);
  }

  key(namespace: string | undefined, name: string): string {
    return objectKey(this.info, namespace, name);
  }

  private async readCurrent(namespace: string | undefined, name: string): Promise<{ kv: KeyValue; obj: KubeObject }> {
    const res = await this.ctx.store.range(this.key(namespace, name));
    const kv = res.kvs[0];
    if (!kv) throw notFound(this.gr, name);
    return { kv, obj: this.fromStorage(decodeObject(kv)) };
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    return (await this.readCurrent(namespace, name)).obj;
  }

  // ---- list ----

  private matches(obj: KubeObject, opts: Pick<ListOptions, 'labelSelector' | 'fieldSelector'>): boolean {
    if (opts.labelSelector.length > 0 && !matchesAll(opts.labelSelector, obj.metadata.labels)) return false;
    if (opts.fieldSelector.length > 0 && !matchesFields(opts.fieldSelector, this.strategy.fieldValues(obj))) return false;
    return true;
  }

  async list(namespace: string | undefined, opts: ListOptions): Promise<ListResult> {
    if (opts.limit || opts.continueToken) return this.listPaged(namespace, opts);
    // A consistent read from the cache: it has applied everything the store has committed.
    await this.cache.waitUntilFresh();
    const items = this.cache.list(namespacePrefix(this.info, namespace)).filter((o) => this.matches(o, opts)).map((o) => this.fromStorage(o));
    return { items, resourceVersion: String(this.cache.currentRevision()) };
  }

  /** Paged lists read the store at one revision, carried in the continue token, as kube-apiserver does. */
  private async listPaged(namespace: string | undefined, opts: ListOptions): Promise<ListResult> {
    const prefix = namespacePrefix(this.info, namespace);
    let revision = 0;
    let fromKey: string | undefined;
    if (opts.continueToken) {
      const token = decodeContinue(opts.continueToken);
      revision = token.rv;
      fromKey = prefix + token.start;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    for (;;) {
      let res;
      try {
        res = await this.ctx.store.range(prefix, { prefix: true, revision: revision || undefined, fromKey, limit: limit ? limit + 1 : undefined });
      } catch (err) {
        if (err instanceof CompactedError) {
          throw gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
        }
        throw err;
      }
      if (!revision) revision = res.revision;
      const page = limit ? res.kvs.slice(0, limit) : res.kvs;
      more = limit > 0 && res.kvs.length > limit;
      for (const kv of page) {
        const obj = this.fromStorage(decodeObject(kv));
        lastKey = kv.key;
        if (this.matches(obj, opts)) items.push(obj);
        if (limit && items.length >= limit) break;
      }
      if (limit && items.length >= limit) {
        more = more || page[page.length - 1]!.key !== lastKey;
        break;
      }
      if (!more) break;
      fromKey = lastKey + '\0';
    }
    const result: ListResult = { items, resourceVersion: String(revision) };
    if (more && lastKey) result.continueToken = encodeContinue(revision, lastKey.slice(prefix.length) + '\0');
    return result;
  }

  // ---- create ----

  async create(namespace: string | undefined, body: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const obj = deepClone(body);
    this.checkTypeMeta(obj);
    obj.metadata ??= {};
    if (this.info.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    } else {
      delete obj.metadata.namespace;
    }
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = generateName(obj.metadata.generateName);
    const meta = obj.metadata;
    meta.uid = newUid();
    meta.creationTimestamp = rfc3339(this.ctx.nowMs());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.strategy.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    this.strategy.defaults(obj);
    this.strategy.prepareForCreate(obj);
    this.ctx.beforeCreate?.(this.strategy, obj);
    this.throwIfInvalid(obj, this.strategy.validateCreate(obj));
    if (!(opts as OwnershipSettled).ownershipSettled) this.recordUpdate(obj, undefined, opts, '');
    if (this.info.namespaced) await this.ctx.checkNamespaceForCreate(meta.namespace!, meta.name ?? '');
    if (opts.dryRun) {
      const existing = await this.ctx.store.range(this.key(meta.namespace, meta.name!));
      if (existing.kvs.length > 0) throw alreadyExists(this.gr, meta.name!);
      return obj;
    }
    const res = await this.ctx.store.create(this.key(meta.namespace, meta.name!), this.encode(obj));
    if (!res.succeeded) throw alreadyExists(this.gr, meta.name!);
    meta.resourceVersion = String(res.revision);
    return obj;
  }

  private checkTypeMeta(obj: KubeObject): void {
    const expected = apiVersionOf(this.info);
    if (obj.apiVersion && obj.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
    }
    if (obj.kind && obj.kind !== this.info.kind) {
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${this.info.kind})`);
    }
    obj.apiVersion = expected;
    obj.kind = this.info.kind;
    if (obj.metadata !== undefined && (typeof obj.metadata !== 'object' || obj.metadata === null || Array.isArray(obj.metadata))) {
      throw badRequest('metadata must be an object');
    }
  }

  private throwIfInvalid(obj: KubeObject, errs: FieldError[]): void {
    if (errs.length === 0) return;
    const name = obj.metadata.name ?? '';
    const { message, causes } = this.ctx.formatInvalid(this.info.kind, this.info.group, name, errs);
    throw invalid({ group: this.info.group, kind: this.info.kind }, name, message, causes);
  }

  // ---- update / patch ----

  /**
   * Replace an object. `mutate` computes the new object from the current
   * one; it's re-run when a concurrent write wins the race (only when the
   * caller didn't pin a resourceVersion), as GuaranteedUpdate does.
   */
  async update(
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject,
    opts: WriteOptions & { subresource: Subresource },
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const { kv, obj: current } = await this.readCurrent(namespace, name);
      const desired = deepClone(mutate(deepClone(current)));
      const pinnedVersion = desired.metadata?.resourceVersion;
      const next = this.prepareUpdate(desired, current, name, opts.subresource);
      if ((opts as OwnershipSettled).ownershipSettled) next.metadata.managedFields = desired.metadata.managedFields;
      else this.recordUpdate(next, current, opts, opts.subresource);
      if (pinnedVersion && pinnedVersion !== current.metadata.resourceVersion) {
        throw conflict(this.gr, name, OPTIMISTIC_LOCK_MESSAGE);
      }
      if (jsonEqual(next, current)) return current;
      if (this.shouldDeleteDuringUpdate(next)) {
        if (opts.dryRun) return next;
        const del = await this.ctx.store.delete(kv.key, kv.modRevision);
        if (del.succeeded) return next;
      } else {
        if (opts.dryRun) return next;
        const res = await this.ctx.store.update(kv.key, this.encode(next), kv.modRevision);
        if (res.succeeded) {
          next.metadata.resourceVersion = String(res.revision);
          return next;
        }
      }
      // Retry with a fresh read: a caller that pinned a resourceVersion (PUT with one, a patch setting one) gets its 409 from the check above on the next pass.
      if (attempt >= MAX_CONFLICT_RETRIES) throw conflict(this.gr, name, OPTIMISTIC_LOCK_MESSAGE);
    }
  }

  private trackedScope(subresource: Subresource): TrackedScope {
    return { hasStatus: this.info.hasStatus, subresource: subresource === 'status' ? 'status' : '' };
  }

  /** Gives the writer the fields it changed (operation Update), as kube-apiserver's field manager does. */
  private recordUpdate(next: KubeObject, current: KubeObject | undefined, opts: WriteOptions, subresource: Subresource): void {
    if (!opts.fieldManager || subresource === 'binding' || subresource === 'finalize') return;
    const owners = baseOwnership(next.metadata.managedFields, current?.metadata.managedFields);
    const updated = ownershipAfterUpdate(owners, current, next, {
      manager: opts.fieldManager,
      apiVersion: apiVersionOf(this.info),
      now: rfc3339(this.ctx.nowMs()),
      scope: this.trackedScope(subresource),
      meta: this.ctx.fieldSchema?.(this.strategy),
    });
    const encoded = encodeManagedFields(updated);
    if (encoded) next.metadata.managedFields = encoded;
    else delete next.metadata.managedFields;
  }

  /**
   * Server-side apply: merges the configuration into the object (creating
   * it if absent) and settles ownership; 409 on conflicts unless forced.
   */
  async apply(namespace: string | undefined, name: string, applied: KubeObject, opts: ApplyRequest): Promise<{ object: KubeObject; created: boolean }> {
    const expected = apiVersionOf(this.info);
    if (!applied.apiVersion) throw badRequest('apiVersion must be set');
    if (!applied.kind) throw badRequest('kind must be set');
    this.checkTypeMeta(structuredClone(applied));
    if (applied.metadata?.name !== undefined && applied.metadata.name !== name) {
      throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    }
    const applyOptions = () => ({
      manager: opts.fieldManager,
      force: opts.force,
      scope: this.trackedScope(opts.subresource),
      meta: this.ctx.fieldSchema?.(this.strategy),
      apiVersion: expected,
      now: rfc3339(this.ctx.nowMs()),
    });
    const settled: WriteOptions & OwnershipSettled = { dryRun: opts.dryRun, fieldManager: opts.fieldManager, ownershipSettled: true };
    for (let attempt = 0; ; attempt++) {
      let exists = true;
      try {
        await this.readCurrent(namespace, name);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        exists = false;
      }
      if (!exists) {
        if (opts.subresource) throw notFound(this.gr, name);
        const created = applyConfiguration(undefined, { ...applied, metadata: { ...applied.metadata, name } }, applyOptions());
        try {
          return { object: await this.create(namespace, created, settled), created: true };
        } catch (err) {
          if (!(err instanceof ApiError && err.reason === 'AlreadyExists') || attempt >= MAX_CONFLICT_RETRIES) throw err;
          continue;
        }
      }
      try {
        const object = await this.update(namespace, name, (current) => {
          const merged = applyConfiguration(current, applied, applyOptions());
          // Only a resourceVersion in the configuration itself is a precondition.
          if (applied.metadata?.resourceVersion) merged.metadata.resourceVersion = applied.metadata.resourceVersion;
          else delete merged.metadata.resourceVersion;
          return merged;
        }, { ...settled, subresource: opts.subresource });
        return { object, created: false };
      } catch (err) {
        // Deleted in between: apply creates it.
        if (!(err instanceof ApiError && err.code === 404) || attempt >= MAX_CONFLICT_RETRIES) throw err;
      }
    }
  }

  /** The object to store for an update: server-owned fields kept, the spec/status split applied, validated. */
  private prepareUpdate(desired: KubeObject, current: KubeObject, name: string, subresource: Subresource): KubeObject {
    this.checkTypeMeta(desired);
    desired.metadata ??= {};
    const meta = desired.metadata;
    if (meta.name && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (this.info.namespaced && meta.namespace && meta.namespace !== current.metadata.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (meta.uid && meta.uid !== current.metadata.uid) {
      throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    let next: KubeObject;
    if (subresource === 'binding') {
      // pods/binding sets spec.nodeName once, as the scheduler's bind does.
      const nodeName = (desired.spec as { nodeName?: string } | undefined)?.nodeName;
      const bound = (current.spec as { nodeName?: string } | undefined)?.nodeName;
      if (bound) throw conflict(this.gr, name, `pod ${name} is already assigned to node "${bound}"`);
      if (current.metadata.deletionTimestamp) throw conflict(this.gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      next = deepClone(current);
      next.spec = { ...(current.spec as object), nodeName };
      const status = (next.status ??= {}) as { conditions?: { type: string }[] };
      status.conditions = [
        ...(status.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(this.ctx.nowMs()) } as { type: string },
      ];
    } else if (subresource === 'finalize') {
      // Namespace finalize changes spec.finalizers only.
      next = deepClone(current);
      next.spec = { ...(current.spec as object), finalizers: (desired.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [] };
    } else if (subresource === 'status') {
      // The status subresource changes status only.
      next = deepClone(current);
      if (desired.status === undefined) delete next.status;
      else next.status = desired.status;
    } else {
      next = desired;
      // The main resource never changes status.
      if (this.info.hasStatus) {
        if (current.status === undefined) delete next.status;
        else next.status = deepClone(current.status);
      }
      this.strategy.defaults(next);
      if (this.info.kind === 'Namespace') {
        // spec.finalizers belong to the finalize subresource.
        next.spec = { ...(next.spec as object), finalizers: (current.spec as { finalizers?: string[] } | undefined)?.finalizers };
      }
    }
    if (subresource === '' || subresource === 'status') this.strategy.prepareForUpdate?.(next, current);
    const m = next.metadata;
    const old = current.metadata;
    m.name = old.name;
    if (this.info.namespaced) m.namespace = old.namespace;
    m.uid = old.uid;
    m.creationTimestamp = old.creationTimestamp;
    m.resourceVersion = old.resourceVersion;
    if (old.deletionTimestamp) m.deletionTimestamp = old.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (old.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    delete m.selfLink;
    if (this.strategy.tracksGeneration) {
      m.generation = old.generation ?? 1;
      if (subresource === '' && !jsonEqual(specOf(next), specOf(current))) m.generation += 1;
    } else if (old.generation !== undefined) {
      m.generation = old.generation;
    } else {
      delete m.generation;
    }
    if (old.deletionTimestamp && (m.finalizers ?? []).some((f) => !(old.finalizers ?? []).includes(f))) {
      this.throwIfInvalid(next, [{ type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: 'no new finalizers can be added if the object is being deleted' }]);
    }
    // A binding is checked by the binding REST logic above, not by pod update validation (which forbids nodeName changes).
    if (subresource !== 'binding') this.throwIfInvalid(next, this.strategy.validateUpdate(next, current));
    return next;
  }

  private shouldDeleteDuringUpdate(obj: KubeObject): boolean {
    const m = obj.metadata;
    if (!m.deletionTimestamp || (m.finalizers ?? []).length > 0 || (m.deletionGracePeriodSeconds ?? 0) !== 0) return false;
    // A namespace also waits for its own spec.finalizers (the namespace controller's "kubernetes").
    return this.info.kind !== 'Namespace' || ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length === 0;
  }

  // ---- delete ----

  async delete(namespace: string | undefined, name: string, opts: DeleteOptions): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const { kv, obj: current } = await this.readCurrent(namespace, name);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(this.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      const next = deepClone(current);
      const pending = this.markForDeletion(next, opts);
      if (opts.dryRun) return pending ? next : current;
      if (!pending) {
        const res = await this.ctx.store.delete(kv.key, kv.modRevision);
        if (res.succeeded) return current;
      } else {
        if (jsonEqual(next, current)) return current;
        const res = await this.ctx.store.update(kv.key, this.encode(next), kv.modRevision);
        if (res.succeeded) {
          next.metadata.resourceVersion = String(res.revision);
          return next;
        }
      }
      if (attempt >= MAX_CONFLICT_RETRIES) throw conflict(this.gr, name, OPTIMISTIC_LOCK_MESSAGE);
    }
  }

  /**
   * Applies a delete request to the object: finalizers for the propagation
   * policy, a deletionTimestamp for graceful deletion. Returns whether the
   * object must stay (finalizers or a grace period pending) rather than go now.
   */
  private markForDeletion(obj: KubeObject, opts: DeleteOptions): boolean {
    const meta = obj.metadata;
    const finalizers = new Set(meta.finalizers ?? []);
    if (opts.propagationPolicy === 'Foreground') {
      finalizers.add('foregroundDeletion');
      finalizers.delete('orphan');
    } else if (opts.propagationPolicy === 'Orphan') {
      finalizers.add('orphan');
      finalizers.delete('foregroundDeletion');
    } else if (opts.propagationPolicy === 'Background') {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    const grace = this.gracePeriod(obj, opts);
    const namespaceFinalizers = this.info.kind === 'Namespace' ? ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
    const pending = finalizers.size > 0 || grace > 0 || namespaceFinalizers.length > 0;
    if (!pending) return false;
    meta.finalizers = [...finalizers];
    if (meta.finalizers.length === 0) delete meta.finalizers;
    const now = this.ctx.nowMs();
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = rfc3339(now + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
    } else if (grace < (meta.deletionGracePeriodSeconds ?? 0)) {
      // A later delete may shorten the grace period, never lengthen it.
      meta.deletionTimestamp = rfc3339(now + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
    }
    if (this.info.kind === 'Namespace') {
      obj.status = { ...(obj.status as object), phase: 'Terminating' };
    }
    // With the grace period over and no finalizers left, nothing holds the object.
    return !(finalizers.size === 0 && namespaceFinalizers.length === 0 && (meta.deletionGracePeriodSeconds ?? 0) === 0);
  }

  /** Only pods on a node are deleted gracefully: their kubelet must stop the containers first. */
  private gracePeriod(obj: KubeObject, opts: DeleteOptions): number {
    if (this.info.kind !== 'Pod' || this.info.group !== '') return 0;
    const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  }

  async deleteCollection(namespace: string | undefined, list: ListOptions, opts: DeleteOptions): Promise<KubeObject[]> {
    const { items } = await this.list(namespace, { ...list, limit: undefined, continueToken: undefined });
    const deleted: KubeObject[] = [];
    for (const item of items) {
      try {
        deleted.push(await this.delete(item.metadata.namespace, item.metadata.name!, opts));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return deleted;
  }

  // ---- watch ----

  /**
   * Watch objects under the namespace (or all) from a revision. Returns a
   * cancel function. Throws ApiError 410 when the revision is too old to serve.
   */
  async watch(
    namespace: string | undefined,
    fromRevision: number,
    filter: Pick<ListOptions, 'labelSelector' | 'fieldSelector'>,
    sink: WatchSink,
  ): Promise<() => void> {
    const prefix = namespacePrefix(this.info, namespace);
    const watcher: CacheWatcher = {
      deliver: (events) => {
        for (const ev of events) {
          if (!ev.key.startsWith(prefix)) continue;
          const translated = this.translate(ev, filter);
          if (translated) sink.event(translated.type, this.fromStorage(translated.object));
        }
      },
      terminate: (err) => sink.close(err),
    };
    try {
      return this.cache.watch(fromRevision, watcher);
    } catch (err) {
      if (!(err instanceof TooOldResourceVersionError)) throw err;
      return this.watchFromStore(prefix, fromRevision, watcher);
    }
  }

  /** Older than the cache's window: replay from the store's history if it still has it, else 410. */
  private async watchFromStore(prefix: string, fromRevision: number, watcher: CacheWatcher): Promise<() => void> {
    try {
      const w = await this.ctx.store.watch(prefix, { prefix: true, startRevision: fromRevision + 1 }, {
        onEvents: (events) => {
          const out: CacheEvent[] = [];
          for (const ev of events) {
            const object = ev.type === 'PUT' ? decodeObject(ev.kv) : ev.prevKv ? decodeObject(ev.prevKv, ev.kv.modRevision) : undefined;
            if (!object) continue;
            const previous = ev.prevKv ? decodeObject(ev.prevKv) : undefined;
            const type = ev.type === 'DELETE' ? 'DELETED' : previous ? 'MODIFIED' : 'ADDED';
            out.push({ type, revision: ev.kv.modRevision, key: ev.kv.key, object, previous });
          }
          if (out.length) watcher.deliver(out);
        },
        onError: (err) => watcher.terminate(err),
      });
      return () => w.cancel();
    } catch (err) {
      if (err instanceof CompactedError) throw gone(`too old resource version: ${fromRevision} (${err.compactRevision})`);
      throw err;
    }
  }

  /** Selector-aware event translation: an object leaving the selection is DELETED for this watcher, entering it ADDED. */
  private translate(ev: CacheEvent, filter: Pick<ListOptions, 'labelSelector' | 'fieldSelector'>): { type: CacheEvent['type']; object: KubeObject } | null {
    const nowMatches = ev.type !== 'DELETED' && this.matches(ev.object, filter);
    const wasMatching = ev.previous !== undefined && this.matches(ev.previous, filter);
    if (ev.type === 'DELETED') return wasMatching ? { type: 'DELETED', object: ev.object } : null;
    if (nowMatches && wasMatching) return { type: 'MODIFIED', object: ev.object };
    if (nowMatches) return { type: 'ADDED', object: ev.object };
    if (wasMatching) return { type: 'DELETED', object: ev.object };
    return null;
  }
}

export interface WatchSink {
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
  close(err?: Error): void;
}

function specOf(obj: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { rv?: unknown; start?: unknown };
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string') return { rv: parsed.rv, start: parsed.start };
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

