// Binds PersistentVolumeClaims to PersistentVolumes, as kube-controller-
// manager's persistentvolume-binder does for statically provisioned volumes
// (immediate binding; k8ts serves no StorageClasses, so there is nothing to
// provision): a pending claim gets the smallest available volume with its
// storage class, volume mode, access modes, capacity and selector; a volume
// pre-bound to a claim (claimRef without uid) and a claim naming its volume
// (spec.volumeName) are honoured. The volume is bound first (claimRef, under
// its resourceVersion, so two claims never take one volume), then the claim
// (volumeName), then both statuses. A volume whose claim is gone is Released.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isConflict, isNotFound, type ResourceRef } from '../../client/api-client.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { compareQuantities, parseQuantity } from '../../api/validation/quantity.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { selectorMatches } from '../common/owners.js';
import type { Controller, ControllerContext } from '../controller.js';

const COMPONENT = 'persistentvolume-controller';
const WORKERS = 2;

interface ClaimRef { kind?: string; apiVersion?: string; namespace?: string; name?: string; uid?: string; resourceVersion?: string }
interface VolumeSpec {
  capacity?: { storage?: string };
  accessModes?: string[];
  storageClassName?: string;
  volumeMode?: string;
  claimRef?: ClaimRef;
}
interface ClaimSpec {
  volumeName?: string;
  storageClassName?: string;
  volumeMode?: string;
  accessModes?: string[];
  selector?: Parameters<typeof selectorMatches>[0];
  resources?: { requests?: { storage?: string } };
}

const volumeSpec = (pv: KubeObject) => (pv.spec ?? {}) as VolumeSpec;
const claimSpec = (pvc: KubeObject) => (pvc.spec ?? {}) as ClaimSpec;
const phaseOf = (obj: KubeObject) => (obj.status as { phase?: string } | undefined)?.phase;
/** A storage size as an exact quantity (none is 0), for comparing capacities with requests. */
const storageOf = (q: string | undefined) => parseQuantity(q ?? '0');

export class PersistentVolumeBinder implements Controller {
  readonly name = COMPONENT;
  private readonly queue: WorkQueue;
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(ctx.wheel);
    this.recorder = ctx.recorder(COMPONENT);
    this.claims = ctx.informers.informer(RESOURCES.persistentvolumeclaims);
    this.volumes = ctx.informers.informer(RESOURCES.persistentvolumes);
    const claimKey = (c: KubeObject) => this.queue.add(`claim/${c.metadata.namespace}/${c.metadata.name}`);
    this.claims.addHandlers({ add: claimKey, update: (_o, c) => claimKey(c), delete: (c) => {
      // Its volume becomes Released.
      const bound = this.volumes.list().find((pv) => volumeSpec(pv).claimRef?.uid === c.metadata.uid);
      if (bound) this.queue.add(`volume/${bound.metadata.name}`);
    } });
    const volumeChanged = (pv: KubeObject) => {
      this.queue.add(`volume/${pv.metadata.name}`);
      const ref = volumeSpec(pv).claimRef;
      if (ref?.namespace && ref.name) this.queue.add(`claim/${ref.namespace}/${ref.name}`);
      // A volume that is free may be what a pending claim waits for.
      else for (const c of this.claims.list()) if (!claimSpec(c).volumeName) claimKey(c);
    };
    this.volumes.addHandlers({ add: volumeChanged, update: (_o, pv) => volumeChanged(pv), delete: volumeChanged });
  }

  run(): void {
    void this.queue.run(WORKERS, (key) => (key.startsWith('claim/') ? this.syncClaim(key.slice(6)) : this.syncVolume(key.slice(7))), (key, err) => {
      this.ctx.log({ controller: COMPONENT, key, error: String(err) });
    });
  }

  stop(): void {
    this.queue.shutdown();
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(undefined, name);
    if (!pv) return;
    const ref = volumeSpec(pv).claimRef;
    let phase = 'Available';
    if (ref?.uid) {
      const claim = ref.namespace && ref.name ? this.claims.get(ref.namespace, ref.name) : undefined;
      if (!claim || claim.metadata.uid !== ref.uid) phase = 'Released';
      else if (claimSpec(claim).volumeName === name) phase = 'Bound';
      else return; // Half-way through binding: the claim's sync finishes it.
    }
    if (phaseOf(pv) !== phase) await this.status(RESOURCES.persistentvolumes, pv, { phase });
  }

  private async syncClaim(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const claim = this.claims.get(namespace, name);
    if (!claim || claim.metadata.deletionTimestamp) return;
    const spec = claimSpec(claim);
    let pv: KubeObject | undefined;
    if (spec.volumeName) {
      pv = this.volumes.get(undefined, spec.volumeName);
      if (!pv) {
        await this.claimStatus(claim, phaseOf(claim) === 'Bound' ? 'Lost' : 'Pending');
        return;
      }
      const ref = volumeSpec(pv).claimRef;
      if (ref?.uid && ref.uid !== claim.metadata.uid) {
        await this.claimStatus(claim, 'Pending');
        return;
      }
    } else {
      pv = this.bestMatch(claim);
      if (!pv) {
        if (phaseOf(claim) !== 'Pending') this.recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
        await this.claimStatus(claim, 'Pending');
        return;
      }
    }
    const volumeName = pv.metadata.name!;
    if (volumeSpec(pv).claimRef?.uid !== claim.metadata.uid) {
      const claimRef: ClaimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace, name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion };
      try {
        // Under the volume's resourceVersion: another claim binding it meanwhile makes this a conflict.
        pv = await this.ctx.client.patch(RESOURCES.persistentvolumes, undefined, volumeName, 'application/merge-patch+json',
          { metadata: { resourceVersion: pv.metadata.resourceVersion, annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } }, spec: { claimRef } });
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) {
          this.queue.addAfter(`claim/${key}`, 100);
          return;
        }
        throw err;
      }
    }
    if (spec.volumeName !== volumeName || claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'] !== 'yes') {
      await this.ctx.client.patch(RESOURCES.persistentvolumeclaims, namespace, name, 'application/merge-patch+json', {
        metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes', ...(spec.volumeName ? {} : { 'pv.kubernetes.io/bound-by-controller': 'yes' }) } },
        spec: { volumeName },
      });
    }
    if (phaseOf(pv) !== 'Bound') await this.status(RESOURCES.persistentvolumes, pv, { phase: 'Bound' });
    const pvSpec = volumeSpec(pv);
    await this.claimStatus(claim, 'Bound', { accessModes: pvSpec.accessModes ?? [], capacity: pvSpec.capacity ?? {} });
    if (phaseOf(claim) !== 'Bound') this.recorder.event(claim, 'Normal', 'Bound', `Successfully bound to volume ${volumeName}`);
  }

  /** The smallest free volume that satisfies the claim; one pre-bound to it (claimRef without uid) first. */
  private bestMatch(claim: KubeObject): KubeObject | undefined {
    const spec = claimSpec(claim);
    const wanted = storageOf(spec.resources?.requests?.storage);
    const fits = (pv: KubeObject) => {
      const v = volumeSpec(pv);
      const ref = v.claimRef;
      if (ref && (ref.uid || ref.namespace !== claim.metadata.namespace || ref.name !== claim.metadata.name)) return false;
      if (pv.metadata.deletionTimestamp || ['Released', 'Failed'].includes(phaseOf(pv) ?? '')) return false;
      if ((v.storageClassName ?? '') !== (spec.storageClassName ?? '')) return false;
      if ((v.volumeMode ?? 'Filesystem') !== (spec.volumeMode ?? 'Filesystem')) return false;
      if (!(spec.accessModes ?? []).every((m) => (v.accessModes ?? []).includes(m))) return false;
      if (compareQuantities(storageOf(v.capacity?.storage), wanted) < 0) return false;
      return !spec.selector || selectorMatches(spec.selector, pv.metadata.labels as Record<string, string> | undefined);
    };
    const candidates = this.volumes.list().filter(fits);
    candidates.sort((a, b) => Number(!!volumeSpec(b).claimRef) - Number(!!volumeSpec(a).claimRef)
      || compareQuantities(storageOf(volumeSpec(a).capacity?.storage), storageOf(volumeSpec(b).capacity?.storage)));
    return candidates[0];
  }

  private async claimStatus(claim: KubeObject, phase: string, extra: Record<string, unknown> = {}): Promise<void> {
    const current = (claim.status ?? {}) as Record<string, unknown>;
    const want = { phase, ...extra };
    if (Object.entries(want).every(([k, v]) => JSON.stringify(current[k]) === JSON.stringify(v))) return;
    await this.status(RESOURCES.persistentvolumeclaims, claim, want);
  }

  private async status(ref: ResourceRef, obj: KubeObject, status: Record<string, unknown>): Promise<void> {
    try {
      await this.ctx.client.patch(ref, obj.metadata.namespace, obj.metadata.name!, 'application/merge-patch+json', { status }, 'status');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
