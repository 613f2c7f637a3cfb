// The parts of apps/v1 ReplicaSet the ReplicaSet and Deployment controllers
// read and write. Objects stay plain JSON; these types only name the fields.
import type { KubeObject } from '../../api/types.js';
import type { LabelSelectorSpec } from '../../apiserver/selectors/label-selector.js';
import type { StatusCondition } from '../common/conditions.js';
import type { PodTemplate } from '../common/pods.js';

export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelectorSpec;
  template?: PodTemplate;
}

export interface ReplicaSetStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: StatusCondition[];
}

export interface ReplicaSet extends KubeObject {
  spec: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

/** Names a stored ReplicaSet's fields (the registry always stores spec, apiVersion and kind). */
export function asReplicaSet(obj: KubeObject): ReplicaSet {
  return obj as ReplicaSet;
}

/** spec.replicas; the API defaults it to 1, so a missing value means 1. */
export function specReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}
