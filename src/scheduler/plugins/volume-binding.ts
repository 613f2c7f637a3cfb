// VolumeBinding for claims bound ahead of scheduling (the PV binder binds
// them; there is no StorageClass, so every claim is "Immediate"): a pod's
// persistentVolumeClaims must exist and be bound before it is placed, and a
// node must satisfy the nodeAffinity of each bound PersistentVolume, which
// is how a local volume says which node its disk is on. Worded as
// kube-scheduler's volumebinding plugin.
import type { KubeObject } from '../../api/types.js';
import type { NodeSelectorTerm } from '../api-types.js';
import { rejection, type FilterPlugin, type NodeCheck, type PodRejection } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import { matchesNodeTerm } from './node-affinity.js';

export const VOLUME_BINDING = 'VolumeBinding';
export const UNBOUND_IMMEDIATE_CLAIMS = 'pod has unbound immediate PersistentVolumeClaims';
export const VOLUME_NODE_AFFINITY_CONFLICT = 'node(s) had volume node affinity conflict';
export const PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';

/** The scheduler's view of claims and volumes (its informers' caches). */
export interface VolumeLookup {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
}

interface PodVolume {
  persistentVolumeClaim?: { claimName?: string };
}

const reject = (reason: string): PodRejection => ({ podRejection: rejection(VOLUME_BINDING, false, reason) });

export function volumeBindingFilter(lookup: VolumeLookup): FilterPlugin {
  return {
    name: VOLUME_BINDING,
    prepare(pod): NodeCheck | PodRejection | undefined {
      const volumes = ((pod.object.spec as { volumes?: PodVolume[] } | undefined)?.volumes ?? []);
      const claimNames = volumes.flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []));
      if (claimNames.length === 0) return undefined;
      // As kube's PreFilter: every claim is checked for being there and usable before any for being bound.
      const claims: KubeObject[] = [];
      for (const name of claimNames) {
        const claim = lookup.claim(pod.namespace, name);
        if (!claim) return reject(`persistentvolumeclaim "${name}" not found`);
        if (claim.metadata.deletionTimestamp) return reject(`persistentvolumeclaim "${name}" is being deleted`);
        if ((claim.status as { phase?: string } | undefined)?.phase === 'Lost') {
          return reject(`persistentvolumeclaim "${name}" bound to non-existent persistentvolume "${volumeNameOf(claim) ?? ''}"`);
        }
        claims.push(claim);
      }
      if (claims.some((c) => !volumeNameOf(c) || (c.status as { phase?: string } | undefined)?.phase !== 'Bound')) return reject(UNBOUND_IMMEDIATE_CLAIMS);
      // Per node, claim by claim: the first claim whose volume is missing or elsewhere names the reason.
      const bound = claims.map((c) => requiredTerms(lookup.volume(volumeNameOf(c)!)));
      if (bound.every((b) => b === ANY_NODE)) return undefined;
      const missing = rejection(VOLUME_BINDING, false, PV_NOT_EXIST);
      const conflict = rejection(VOLUME_BINDING, false, VOLUME_NODE_AFFINITY_CONFLICT);
      return {
        check: (node: NodeInfo) => {
          for (const terms of bound) {
            if (terms === MISSING) return missing;
            // A volume's terms are ORed.
            if (terms !== ANY_NODE && !terms.some((t) => matchesNodeTerm(t, node))) return conflict;
          }
          return undefined;
        },
      };
    },
  };
}

const MISSING = 'missing';
const ANY_NODE = 'any';

function volumeNameOf(claim: KubeObject): string | undefined {
  return (claim.spec as { volumeName?: string } | undefined)?.volumeName || undefined;
}

/** The volume's required node terms, or that it has none, or that it does not exist. */
function requiredTerms(volume: KubeObject | undefined): NodeSelectorTerm[] | typeof MISSING | typeof ANY_NODE {
  if (!volume) return MISSING;
  return (volume.spec as { nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } | undefined)?.nodeAffinity?.required?.nodeSelectorTerms ?? ANY_NODE;
}
