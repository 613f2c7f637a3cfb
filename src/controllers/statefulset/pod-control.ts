// StatefulPodControl: the writes a StatefulSet makes to its pods and their
// claims, each reported as an Event the way Kubernetes words them.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isAlreadyExists, isNotFound, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { Informer } from '../../client/informer.js';
import { claimOwnerRefs, claimOwnersUpToDate, hasStaleRef } from './claim-retention.js';
import { claimsForOrdinal, identityMatches, ordinalOf, withIdentity } from './identity.js';
import type { StatefulSet } from './types.js';

function titleCase(verb: string): string {
  return verb[0]!.toUpperCase() + verb.slice(1);
}

export class StatefulPodControl {
  constructor(
    private readonly client: ApiClient,
    private readonly claims: Informer,
    private readonly recorder: EventRecorder,
  ) {}

  private recordPodEvent(verb: string, set: StatefulSet, pod: KubeObject, err?: unknown): void {
    if (err === undefined) {
      this.recorder.event(set, 'Normal', `Successful${titleCase(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } else {
      this.recorder.event(set, 'Warning', `Failed${titleCase(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errorMessage(err)}`);
    }
  }

  private recordClaimEvent(verb: string, set: StatefulSet, pod: KubeObject, claim: KubeObject, err?: unknown): void {
    if (err === undefined) {
      this.recorder.event(set, 'Normal', `Successful${titleCase(verb)}`, `${verb} Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    } else {
      this.recorder.event(set, 'Warning', `Failed${titleCase(verb)}`, `${verb} Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errorMessage(err)}`);
    }
  }

  private cachedClaim(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.claims.get(namespace, name);
  }

  /** Creates the pod's missing claims, then the pod, then sets the claims' owners for the retention policy. */
  async createPod(set: StatefulSet, pod: KubeObject): Promise<KubeObject> {
    await this.createMissingClaims(set, pod);
    let created: KubeObject;
    try {
      created = await this.client.create(RESOURCES.pods, set.metadata.namespace, pod);
    } catch (err) {
      // An existing pod is no news: the informer will show it.
      if (!isAlreadyExists(err)) this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    this.recordPodEvent('create', set, created);
    await this.updateClaimsForRetention(set, created);
    return created;
  }

  async deletePod(set: StatefulSet, pod: KubeObject): Promise<void> {
    try {
      await this.client.delete(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (isNotFound(err)) return;
      this.recordPodEvent('delete', set, pod, err);
      throw err;
    }
    this.recordPodEvent('delete', set, pod);
  }

  /**
   * UpdateStatefulPod for what can change on a live pod: identity labels,
   * missing claims, and claim owners for the retention policy.
   */
  async repairPod(set: StatefulSet, pod: KubeObject): Promise<void> {
    await this.createMissingClaims(set, pod);
    if (!identityMatches(set, pod)) {
      const fixed = withIdentity(set, pod);
      try {
        await this.client.update(RESOURCES.pods, set.metadata.namespace, fixed);
      } catch (err) {
        this.recordPodEvent('update', set, pod, err);
        throw err;
      }
      this.recordPodEvent('update', set, pod);
    }
    await this.updateClaimsForRetention(set, pod);
  }

  /** Whether any claim of the pod lacks owners matching the retention policy. */
  claimsMatchRetentionPolicy(set: StatefulSet, pod: KubeObject): boolean {
    for (const claim of claimsForOrdinal(set, ordinalOf(pod)).values()) {
      const existing = this.cachedClaim(claim.metadata.namespace, claim.metadata.name!);
      if (existing && !claimOwnersUpToDate(existing, set, pod)) return false;
    }
    return true;
  }

  /**
   * PodClaimIsStale: a claim still owned by an earlier pod of this name is
   * about to be garbage collected; creating the pod now would mount it.
   */
  podClaimIsStale(set: StatefulSet, pod: KubeObject): boolean {
    for (const claim of claimsForOrdinal(set, ordinalOf(pod)).values()) {
      const existing = this.cachedClaim(claim.metadata.namespace, claim.metadata.name!);
      if (existing && hasStaleRef(existing, pod, 'pod')) return true;
    }
    return false;
  }

  async updateClaimsForRetention(set: StatefulSet, pod: KubeObject): Promise<void> {
    for (const claim of claimsForOrdinal(set, ordinalOf(pod)).values()) {
      const existing = this.cachedClaim(claim.metadata.namespace, claim.metadata.name!)
        ?? (await this.client.get(RESOURCES.persistentvolumeclaims, claim.metadata.namespace, claim.metadata.name!).catch((err) => {
          if (isNotFound(err)) return undefined;
          throw err;
        }));
      if (!existing || claimOwnersUpToDate(existing, set, pod)) continue;
      const updated = structuredClone(existing);
      updated.metadata.ownerReferences = claimOwnerRefs(existing, set, pod);
      try {
        await this.client.update(RESOURCES.persistentvolumeclaims, existing.metadata.namespace, updated);
      } catch (err) {
        this.recordClaimEvent('update', set, pod, existing, err);
        throw err;
      }
    }
  }

  private async createMissingClaims(set: StatefulSet, pod: KubeObject): Promise<void> {
    for (const claim of claimsForOrdinal(set, ordinalOf(pod)).values()) {
      const existing = this.cachedClaim(claim.metadata.namespace, claim.metadata.name!);
      if (existing) {
        if (existing.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
        continue;
      }
      try {
        await this.client.create(RESOURCES.persistentvolumeclaims, claim.metadata.namespace, claim);
        this.recordClaimEvent('create', set, pod, claim);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.recordClaimEvent('create', set, pod, claim, err);
        throw err;
      }
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
