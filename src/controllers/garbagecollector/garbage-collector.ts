// The garbage collector, as Kubernetes' (pkg/controller/garbagecollector):
// objects name their owners in metadata.ownerReferences, and
//  - an object whose owners are all gone is deleted (Background propagation,
//    or dangling references, verified by a live GET);
//  - an owner deleted with propagationPolicy=Foreground carries the
//    foregroundDeletion finalizer: its dependents are deleted first, and the
//    finalizer is removed once none with blockOwnerDeletion is left;
//  - an owner deleted with propagationPolicy=Orphan carries the orphan
//    finalizer: its dependents lose their reference to it, then the
//    finalizer is removed.
// Informers over every collectable resource are the graph; the queue holds
// one key per object to look at, and reconcile(key) re-reads everything.
import type { KubeObject } from '../../api/types.js';
import type { ResourceInfo } from '../../api/resources.js';
import { isConflict, isNotFound, type ClientDeleteOptions, type ResourceRef } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { objectKey, splitKey } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import type { Controller, ControllerContext } from '../controller.js';
import { FOREGROUND_DELETION, ORPHAN, hasFinalizer, isDeletingDependents, isOrphaningDependents } from './deletion-finalizers.js';
import { removeFinalizer, removeOwnerReferences, unblockOwnerReferences } from './metadata-edits.js';
import { NamespacedOwnerOfClusterScopedObject, classifyReferences } from './owner-classifier.js';
import { OwnershipGraph, referenceTo, type GraphNode } from './ownership-graph.js';
import { collectableResources, resourceKey, resourceRef } from './resource-catalog.js';

const WORKERS = 8;
const COMPONENT = 'garbage-collector-controller';

export class GarbageCollector implements Controller {
  readonly name = COMPONENT;
  private readonly queue: WorkQueue;
  private readonly graph: OwnershipGraph;
  private readonly resourcesByKey = new Map<string, ResourceInfo>();
  private readonly recorder: EventRecorder;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly resources: ResourceInfo[] = collectableResources(),
  ) {
    this.queue = new WorkQueue(ctx.wheel);
    this.recorder = ctx.recorder(COMPONENT);
    this.graph = new OwnershipGraph(ctx.informers, resources);
    for (const [info, informer] of this.graph.entries()) {
      this.resourcesByKey.set(resourceKey(resourceRef(info)), info);
      informer.addHandlers({
        add: (obj) => this.observe(info, undefined, obj),
        update: (old, obj) => this.observe(info, old, obj),
        delete: (obj) => this.observeDeleted(obj),
      });
    }
  }

  run(): void {
    void this.queue.run(WORKERS, (key) => this.reconcile(key), (key, err) => {
      if (!isConflict(err)) this.ctx.log({ controller: COMPONENT, key, error: String(err) });
    });
  }

  stop(): void {
    this.queue.shutdown();
  }

  // ---- from informer events to keys ----

  private enqueue(node: GraphNode): void {
    this.queue.add(`${resourceKey(resourceRef(node.info))}|${objectKey(node.obj)}`);
  }

  private observe(info: ResourceInfo, old: KubeObject | undefined, obj: KubeObject): void {
    const node = { info, obj };
    if (isOrphaningDependents(obj)) this.enqueue(node);
    if (isDeletingDependents(obj)) {
      this.enqueue(node);
      // Entering foreground deletion: every dependent must now be looked at.
      if (!old || !isDeletingDependents(old)) for (const dependent of this.graph.dependentsOf(obj.metadata.uid!)) this.enqueue(dependent);
    }
    for (const reference of obj.metadata.ownerReferences ?? []) {
      const owner = this.graph.cachedOwner(reference);
      // An owner missing from the cache may be gone (or not seen yet): reconcile asks the API.
      const ownerElsewhere = owner !== undefined && owner.info.namespaced && owner.obj.metadata.namespace !== obj.metadata.namespace;
      if (!owner || ownerElsewhere || isDeletingDependents(owner.obj)) this.enqueue(node);
    }
    // A dependent that dropped (or unblocked) its reference may be what a foreground owner waits for.
    if (old && JSON.stringify(old.metadata.ownerReferences ?? []) !== JSON.stringify(obj.metadata.ownerReferences ?? [])) this.enqueueDeletingOwners(old);
  }

  private observeDeleted(obj: KubeObject): void {
    for (const dependent of this.graph.dependentsOf(obj.metadata.uid!)) this.enqueue(dependent);
    this.enqueueDeletingOwners(obj);
  }

  private enqueueDeletingOwners(dependent: KubeObject): void {
    for (const reference of dependent.metadata.ownerReferences ?? []) {
      const owner = this.graph.cachedOwner(reference);
      if (owner && isDeletingDependents(owner.obj)) this.enqueue(owner);
    }
  }

  // ---- reconcile ----

  private async reconcile(key: string): Promise<void> {
    const bar = key.indexOf('|');
    const info = this.resourcesByKey.get(key.slice(0, bar));
    if (!info) return;
    const ref = resourceRef(info);
    const { namespace, name } = splitKey(key.slice(bar + 1));
    let latest: KubeObject;
    try {
      latest = await this.ctx.client.get(ref, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (isOrphaningDependents(latest)) return this.orphanDependents(ref, latest);
    if (isDeletingDependents(latest)) return this.processDeletingDependents(ref, latest);
    // Being deleted without waiting on us: nothing to add.
    if (latest.metadata.deletionTimestamp) return;
    if ((latest.metadata.ownerReferences ?? []).length > 0) await this.attemptToDelete(ref, latest);
  }

  /** Orphan propagation: release every dependent, then let the owner go. */
  private async orphanDependents(ref: ResourceRef, owner: KubeObject): Promise<void> {
    const ownerUid = owner.metadata.uid!;
    for (const dependent of this.graph.dependentsOf(ownerUid)) {
      const dependentRef = resourceRef(dependent.info);
      try {
        const latest = await this.ctx.client.get(dependentRef, dependent.obj.metadata.namespace, dependent.obj.metadata.name!);
        await removeOwnerReferences(this.ctx.client, dependentRef, latest, new Set([ownerUid]));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await removeFinalizer(this.ctx.client, ref, owner, ORPHAN);
  }

  /** Foreground propagation: the owner stays until no dependent blocks it. */
  private async processDeletingDependents(ref: ResourceRef, owner: KubeObject): Promise<void> {
    const ownerUid = owner.metadata.uid!;
    const dependents = this.graph.dependentsOf(ownerUid);
    const blocking = dependents.filter((d) => referenceTo(d.obj, ownerUid)?.blockOwnerDeletion === true);
    if (blocking.length === 0) {
      await removeFinalizer(this.ctx.client, ref, owner, FOREGROUND_DELETION);
      return;
    }
    // Level-triggered: make sure every dependent not already on its way out gets deleted.
    for (const dependent of dependents) if (!dependent.obj.metadata.deletionTimestamp || isDeletingDependents(dependent.obj)) this.enqueue(dependent);
  }

  /** An object with owners: delete it if none is left, or drop the references that no longer hold it. */
  private async attemptToDelete(ref: ResourceRef, item: KubeObject): Promise<void> {
    let classified;
    try {
      classified = await classifyReferences(this.ctx.client, item, this.resources);
    } catch (err) {
      if (!(err instanceof NamespacedOwnerOfClusterScopedObject)) throw err;
      // Unresolvable and never collectable; retrying won't change that.
      this.reportInvalidNamespaceOwnerRef(item, err.reference);
      return;
    }
    const { solid, dangling, waitingForDependentsDeletion: waiting } = classified;
    for (const reference of dangling) {
      const elsewhere = this.graph.cachedOwner(reference);
      if (elsewhere && elsewhere.obj.metadata.namespace !== item.metadata.namespace) this.reportInvalidNamespaceOwnerRef(item, reference);
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // Still owned: only the references to owners that are gone or going are dropped.
      await removeOwnerReferences(this.ctx.client, ref, item, new Set([...dangling, ...waiting].map((r) => r.uid)));
      return;
    }
    const itemUid = item.metadata.uid!;
    const ownDependents = this.graph.dependentsOf(itemUid);
    if (waiting.length > 0 && ownDependents.length > 0) {
      // A dependent that itself waits on us would deadlock the foreground deletion: unblock it.
      const cycle = ownDependents.find((d) => isDeletingDependents(d.obj));
      if (cycle) await unblockOwnerReferences(this.ctx.client, resourceRef(cycle.info), cycle.obj, itemUid);
      await this.deleteObject(ref, item, 'Foreground');
      return;
    }
    // No owner holds it any more: collect it, keeping the propagation a pending delete already asked for.
    const policy = hasFinalizer(item, ORPHAN) ? 'Orphan' : hasFinalizer(item, FOREGROUND_DELETION) ? 'Foreground' : 'Background';
    await this.deleteObject(ref, item, policy);
  }

  private async deleteObject(ref: ResourceRef, item: KubeObject, propagationPolicy: NonNullable<ClientDeleteOptions['propagationPolicy']>): Promise<void> {
    try {
      await this.ctx.client.delete(ref, item.metadata.namespace, item.metadata.name!, { propagationPolicy, preconditions: { uid: item.metadata.uid } });
    } catch (err) {
      // Gone already, or replaced by a namesake we have not judged: either way this item is done.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private reportInvalidNamespaceOwnerRef(item: KubeObject, reference: { apiVersion: string; kind: string; name: string; uid: string }): void {
    const namespace = item.metadata.namespace ?? '';
    const identity = `[${reference.apiVersion}/${reference.kind}, namespace: ${namespace}, name: ${reference.name}, uid: ${reference.uid}]`;
    this.recorder.event(item, 'Warning', 'OwnerRefInvalidNamespace', `ownerRef ${identity} does not exist in namespace "${namespace}"`);
  }
}
