// A StatefulSet pod's stable identity: its ordinal name `<set>-<n>`, the
// labels naming it, its hostname/subdomain under the governing service, and
// the claims `<template>-<set>-<n>` it mounts.
import type { KubeObject } from '../../api/types.js';
import { podFromTemplate } from '../common/pods.js';
import { endOrdinal, startOrdinal, type StatefulSet } from './types.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

const ORDINAL_NAME = /^(.*)-(\d+)$/;

/** The parent name and ordinal a pod name encodes; ordinal -1 when it encodes none. */
export function parentAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const match = ORDINAL_NAME.exec(podName);
  if (!match) return { parent: '', ordinal: -1 };
  const ordinal = Number(match[2]);
  return { parent: match[1]!, ordinal: Number.isSafeInteger(ordinal) && ordinal <= 0x7fffffff ? ordinal : -1 };
}

export function ordinalOf(pod: KubeObject): number {
  return parentAndOrdinal(pod.metadata.name!).ordinal;
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function isMemberOf(set: StatefulSet, pod: KubeObject): boolean {
  return parentAndOrdinal(pod.metadata.name!).parent === set.metadata.name;
}

export function inOrdinalRange(set: StatefulSet, pod: KubeObject): boolean {
  const ordinal = ordinalOf(pod);
  return ordinal >= startOrdinal(set) && ordinal <= endOrdinal(set);
}

export function claimName(set: StatefulSet, template: KubeObject, ordinal: number): string {
  return `${template.metadata.name}-${set.metadata.name}-${ordinal}`;
}

export function revisionOf(pod: KubeObject): string | undefined {
  return pod.metadata.labels?.[REVISION_LABEL];
}

interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [source: string]: unknown;
}

function volumesOf(pod: KubeObject): Volume[] {
  return ((pod.spec as { volumes?: Volume[] } | undefined)?.volumes) ?? [];
}

/** The claims the pod at `ordinal` needs, keyed by template name (getPersistentVolumeClaims). */
export function claimsForOrdinal(set: StatefulSet, ordinal: number): Map<string, KubeObject> {
  const claims = new Map<string, KubeObject>();
  for (const template of set.spec.volumeClaimTemplates ?? []) {
    const claim = structuredClone(template);
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = {
      ...claim.metadata,
      name: claimName(set, template, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(template.metadata.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) },
    };
    delete claim.status;
    claims.set(template.metadata.name!, claim);
  }
  return claims;
}

/** updateIdentity: name-derived labels the pod must carry. */
function applyIdentityLabels(set: StatefulSet, pod: KubeObject): void {
  const ordinal = ordinalOf(pod);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name!, [POD_INDEX_LABEL]: String(ordinal) };
}

/** updateStorage: mounts the set's claims, replacing same-named volumes and keeping the rest. */
function applyStorage(set: StatefulSet, pod: KubeObject): void {
  const claims = claimsForOrdinal(set, ordinalOf(pod));
  if (claims.size === 0) return;
  const spec = (pod.spec ??= {}) as { volumes?: Volume[] };
  const mounted: Volume[] = [...claims].map(([name, claim]) => ({ name, persistentVolumeClaim: { claimName: claim.metadata.name! } }));
  spec.volumes = [...mounted, ...volumesOf(pod).filter((v) => !claims.has(v.name))];
}

/** newStatefulSetPod: the pod for `ordinal` from `set`'s template, labelled with `revision`. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number, revision: string): KubeObject {
  const pod = podFromTemplate(set.spec.template ?? {}, set, { name: podName(set, ordinal), extraLabels: { [REVISION_LABEL]: revision } });
  applyIdentityLabels(set, pod);
  // Hostname and subdomain are immutable: set once, at creation.
  const spec = pod.spec as { hostname?: string; subdomain?: string };
  spec.hostname = pod.metadata.name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  applyStorage(set, pod);
  return pod;
}

export function identityMatches(set: StatefulSet, pod: KubeObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata.name!);
  return ordinal >= 0
    && parent === set.metadata.name
    && pod.metadata.namespace === set.metadata.namespace
    && pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name
    && pod.metadata.labels?.[POD_INDEX_LABEL] === String(ordinal);
}

export function storageMatches(set: StatefulSet, pod: KubeObject): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map(volumesOf(pod).map((v) => [v.name, v]));
  return (set.spec.volumeClaimTemplates ?? []).every((t) => volumes.get(t.metadata.name!)?.persistentVolumeClaim?.claimName === claimName(set, t, ordinal));
}

/**
 * The pod with its identity labels fixed. Volumes can't change on a live
 * pod, so only labels are repaired (Kubernetes' update fails on volumes too).
 */
export function withIdentity(set: StatefulSet, pod: KubeObject): KubeObject {
  const fixed = structuredClone(pod);
  applyIdentityLabels(set, fixed);
  return fixed;
}
