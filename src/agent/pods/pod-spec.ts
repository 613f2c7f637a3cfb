// The parts of core/v1 Pod the agent reads, typed (the API types are
// untyped JSON objects).
import type { KubeObject } from '../../api/types.js';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface ExecAction { command: string[] }
export interface HttpGetAction { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] }
export interface TcpSocketAction { port: number | string; host?: string }

export interface ProbeSpec {
  exec?: ExecAction;
  httpGet?: HttpGetAction;
  tcpSocket?: TcpSocketAction;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface ContainerPort { name?: string; containerPort: number; hostPort?: number; protocol?: string; hostIP?: string }

export interface VolumeMount { name: string; mountPath: string; readOnly?: boolean; subPath?: string }

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

export interface ContainerSpec {
  name: string;
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  ports?: ContainerPort[];
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  volumeMounts?: VolumeMount[];
  livenessProbe?: ProbeSpec;
  readinessProbe?: ProbeSpec;
  startupProbe?: ProbeSpec;
  lifecycle?: { preStop?: { exec?: ExecAction; httpGet?: HttpGetAction; sleep?: { seconds: number } }; postStart?: { exec?: ExecAction } };
  securityContext?: SecurityContext;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  terminationMessagePath?: string;
}

export interface KeyToPath { key: string; path: string; mode?: number }

export interface DownwardApiItem { path: string; fieldRef?: { fieldPath: string }; mode?: number }

export interface VolumeSpec {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  hostPath?: { path: string; type?: string };
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean; defaultMode?: number };
  secret?: { secretName: string; items?: KeyToPath[]; optional?: boolean; defaultMode?: number };
  downwardAPI?: { items: DownwardApiItem[]; defaultMode?: number };
  projected?: {
    defaultMode?: number;
    sources: { configMap?: VolumeSpec['configMap']; secret?: { name: string; items?: KeyToPath[]; optional?: boolean }; downwardAPI?: VolumeSpec['downwardAPI']; serviceAccountToken?: unknown }[];
  };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
}

export interface PodSpec {
  nodeName?: string;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: VolumeSpec[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  hostNetwork?: boolean;
  hostname?: string;
  subdomain?: string;
  imagePullSecrets?: { name: string }[];
  securityContext?: { runAsUser?: number; runAsGroup?: number; supplementalGroups?: number[]; fsGroup?: number };
  dnsPolicy?: string;
}

export function podSpec(pod: KubeObject): PodSpec {
  return pod.spec as unknown as PodSpec;
}

export function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}
