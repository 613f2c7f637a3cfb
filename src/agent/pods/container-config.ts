// Turns a pod's container into what runc needs: command and args merged
// with the image's entrypoint and cmd, environment (values, configMap and
// secret refs, downward fields, envFrom, image env), user, security,
// mounts of the pod's volumes and its /etc/hosts, hostname and resolv.conf.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import type { ImageConfig } from '../images/manifest.js';
import type { OciMount } from '../runtime/oci-spec.js';
import type { ContainerSpec, PodSpec, VolumeSpec } from './pod-spec.js';
import { fieldPathValue } from './field-path.js';

export class ContainerConfigError extends Error {}

/** Kubernetes' rule: command replaces ENTRYPOINT (and drops CMD), args replace CMD. */
export function containerArgs(c: ContainerSpec, image: ImageConfig): string[] {
  const entry = c.command ?? image.entrypoint;
  const args = c.args ?? (c.command ? [] : image.cmd);
  const argv = [...entry, ...args];
  if (argv.length === 0) throw new ContainerConfigError(`no command specified for container "${c.name}" and the image has none`);
  return argv;
}

/** $(VAR) references in command and args expand from the container's env, $$ escapes. */
export function expandReferences(s: string, env: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => (whole === '$$' ? '$' : env.has(name!) ? env.get(name!)! : whole));
}

export async function containerEnv(client: ApiClient, pod: KubeObject, c: ContainerSpec, image: ImageConfig, podIp: string | undefined): Promise<Map<string, string>> {
  const env = new Map<string, string>();
  for (const kv of image.env) {
    const eq = kv.indexOf('=');
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  const ns = pod.metadata.namespace!;
  const cache = new Map<string, Record<string, string> | undefined>();
  const source = async (kind: 'configmaps' | 'secrets', name: string, optional: boolean | undefined): Promise<Record<string, string> | undefined> => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) {
      try {
        const obj = await client.get(RESOURCES[kind], ns, name);
        const data = (obj.data ?? {}) as Record<string, string>;
        cache.set(key, kind === 'secrets' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])) : data);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (!optional) throw new ContainerConfigError(`${kind === 'secrets' ? 'secret' : 'configmap'} "${name}" not found`);
        cache.set(key, undefined);
      }
    }
    return cache.get(key);
  };
  for (const from of c.envFrom ?? []) {
    const data = from.configMapRef ? await source('configmaps', from.configMapRef.name, from.configMapRef.optional)
      : from.secretRef ? await source('secrets', from.secretRef.name, from.secretRef.optional) : undefined;
    for (const [k, v] of Object.entries(data ?? {})) env.set(`${from.prefix ?? ''}${k}`, v);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined || !e.valueFrom) {
      env.set(e.name, expandReferences(e.value ?? '', env));
      continue;
    }
    const vf = e.valueFrom;
    if (vf.fieldRef) env.set(e.name, fieldPathValue(pod, vf.fieldRef.fieldPath, podIp));
    else if (vf.configMapKeyRef || vf.secretKeyRef) {
      const ref = (vf.configMapKeyRef ?? vf.secretKeyRef)!;
      const data = await source(vf.configMapKeyRef ? 'configmaps' : 'secrets', ref.name, ref.optional);
      const value = data?.[ref.key];
      if (value === undefined && !ref.optional) throw new ContainerConfigError(`couldn't find key ${ref.key} in ${vf.configMapKeyRef ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`);
      if (value !== undefined) env.set(e.name, value);
    }
  }
  if (!env.has('HOSTNAME')) env.set('HOSTNAME', podHostname(pod));
  if (!env.has('PATH')) env.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  return env;
}

export function podHostname(pod: KubeObject): string {
  return ((pod.spec as PodSpec).hostname ?? pod.metadata.name ?? 'pod').slice(0, 63);
}

/** uid/gid from securityContext, else the image's USER (numeric or a name from the image's /etc/passwd). */
export function containerUser(pod: KubeObject, c: ContainerSpec, image: ImageConfig, rootfs: string): { uid: number; gid: number; additionalGids: number[] } {
  const podSc = (pod.spec as PodSpec).securityContext ?? {};
  const sc = c.securityContext ?? {};
  let uid = sc.runAsUser ?? podSc.runAsUser;
  let gid = sc.runAsGroup ?? podSc.runAsGroup;
  if (uid === undefined && image.user) {
    const [u, g] = image.user.split(':');
    uid = /^\d+$/.test(u!) ? Number(u) : lookupId(join(rootfs, 'etc/passwd'), u!, 2);
    if (gid === undefined && g) gid = /^\d+$/.test(g) ? Number(g) : lookupId(join(rootfs, 'etc/group'), g, 2);
    if (gid === undefined && !/^\d+$/.test(u!)) gid = lookupId(join(rootfs, 'etc/passwd'), u!, 3);
  }
  const additionalGids = [...(podSc.supplementalGroups ?? []), ...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : [])];
  if ((sc.runAsNonRoot ?? (podSc as { runAsNonRoot?: boolean }).runAsNonRoot) && (uid ?? 0) === 0) {
    throw new ContainerConfigError('container has runAsNonRoot and image will run as root');
  }
  return { uid: uid ?? 0, gid: gid ?? 0, additionalGids };
}

function lookupId(file: string, name: string, column: number): number {
  if (!existsSync(file)) throw new ContainerConfigError(`unable to find user ${name}: no ${file.split('/').slice(-2).join('/')} in the image`);
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cols = line.split(':');
    if (cols[0] === name) return Number(cols[column]);
  }
  throw new ContainerConfigError(`unable to find user ${name}: no matching entries in passwd file`);
}

/** The container's bind mounts; a claim the pod mounts with `readOnly: true` is read-only in every container, whatever its volumeMount says. */
export function volumeMounts(c: ContainerSpec, volumes: Map<string, string>, etcFiles: { hosts: string; hostname: string; resolv: string } | undefined, specs: VolumeSpec[] = []): OciMount[] {
  const mounts: OciMount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const host = volumes.get(vm.name);
    if (!host) throw new ContainerConfigError(`volume "${vm.name}" is not defined in the pod`);
    const source = vm.subPath ? join(host, vm.subPath) : host;
    const readOnly = vm.readOnly || specs.find((v) => v.name === vm.name)?.persistentVolumeClaim?.readOnly === true;
    mounts.push({ destination: vm.mountPath, type: 'bind', source, options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] });
  }
  if (etcFiles) {
    const taken = new Set(mounts.map((m) => m.destination));
    for (const [dest, source] of [['/etc/hosts', etcFiles.hosts], ['/etc/hostname', etcFiles.hostname], ['/etc/resolv.conf', etcFiles.resolv]] as const) {
      if (!taken.has(dest)) mounts.push({ destination: dest, type: 'bind', source, options: ['rbind', 'rprivate', 'rw'] });
    }
  }
  return mounts;
}
