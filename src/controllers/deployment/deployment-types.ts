// The parts of apps/v1 Deployment the Deployment controller reads and writes.
import type { KubeObject } from '../../api/types.js';
import type { LabelSelectorSpec } from '../../apiserver/selectors/label-selector.js';
import type { StatusCondition } from '../common/conditions.js';
import type { PodTemplate } from '../common/pods.js';

export type IntOrPercent = number | string;

export interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelectorSpec;
  template?: PodTemplate;
  strategy?: { type?: 'RollingUpdate' | 'Recreate'; rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  collisionCount?: number;
  conditions?: StatusCondition[];
}

export interface Deployment extends KubeObject {
  spec: DeploymentSpec;
  status?: DeploymentStatus;
}

export function asDeployment(obj: KubeObject): Deployment {
  return obj as Deployment;
}

export function deploymentReplicas(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}
