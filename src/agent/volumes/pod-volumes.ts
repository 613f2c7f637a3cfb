// A pod's volumes on this node: directories under the pod's state dir (or
// the host path / local PV path) that containers bind-mount. configMap,
// secret, downwardAPI and projected volumes are rewritten on every sync, so
// they follow their sources in place.
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseQuantity } from '../resource-quantity.js';
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import { runTool } from '../exec-file.js';
import { isMountPoint, mountsUnder } from '../runtime/pod-namespaces.js';
import type { DownwardApiItem, KeyToPath, VolumeSpec } from '../pods/pod-spec.js';
import { podSpec } from '../pods/pod-spec.js';
import { writeAtomically, type VolumeFile } from './atomic-writer.js';
import { fieldPathValue } from '../pods/field-path.js';

export class VolumeError extends Error {}

/** What each hostPath type requires of the path, and how the kubelet names it when it does not. */
const HOST_PATH_TYPES: Record<string, [(st: Stats) => boolean, string]> = {
  DirectoryOrCreate: [(st) => st.isDirectory(), 'directory'],
  Directory: [(st) => st.isDirectory(), 'directory'],
  FileOrCreate: [(st) => st.isFile(), 'file'],
  File: [(st) => st.isFile(), 'file'],
  Socket: [(st) => st.isSocket(), 'socket file'],
  CharDevice: [(st) => st.isCharacterDevice(), 'character device'],
  BlockDevice: [(st) => st.isBlockDevice(), 'block device'],
};

/** The kubelet's hostPath type check, creating what the *OrCreate types ask for. */
export function checkHostPath(path: string, type: string): void {
  if (type === '') return;
  const check = HOST_PATH_TYPES[type];
  if (!check) throw new VolumeError(`hostPath type ${type} is not supported`);
  if (type === 'DirectoryOrCreate' && !existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o755 });
  if (type === 'FileOrCreate' && !existsSync(path)) {
    // As the kubelet: the file is created, its directory must already be there.
    if (!existsSync(dirname(path))) throw new VolumeError(`hostPath type check failed: ${dirname(path)} does not exist for FileOrCreate ${path}`);
    closeSync(openSync(path, 'a', 0o644));
  }
  if (!(existsSync(path) && check[0](statSync(path)))) throw new VolumeError(`hostPath type check failed: ${path} is not a ${check[1]}`);
}

export class PodVolumes {
  constructor(private readonly client: ApiClient) {}

  volumesDir(podDir: string): string {
    return join(podDir, 'volumes');
  }

  /** Prepares every volume; returns host paths by volume name. A failure names its volume, as the kubelet's FailedMount does. */
  async prepare(pod: KubeObject, podDir: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const v of podSpec(pod).volumes ?? []) {
      try {
        out.set(v.name, await this.prepareOne(pod, v, join(this.volumesDir(podDir), v.name)));
      } catch (err) {
        throw new VolumeError(`for volume "${v.name}" : ${(err as Error).message}`);
      }
    }
    return out;
  }

  private async prepareOne(pod: KubeObject, v: VolumeSpec, dir: string): Promise<string> {
    const ns = pod.metadata.namespace!;
    if (v.hostPath) {
      checkHostPath(v.hostPath.path, v.hostPath.type ?? '');
      return v.hostPath.path;
    }
    if (v.persistentVolumeClaim) return this.localPvPath(ns, v.persistentVolumeClaim.claimName);
    mkdirSync(dir, { recursive: true });
    if (v.emptyDir) {
      if (v.emptyDir.medium === 'Memory' && !isMountPoint(dir)) {
        // The kubelet sizes a memory emptyDir by its sizeLimit (bytes); without one tmpfs takes its default.
        const size = v.emptyDir.sizeLimit ? `,size=${Math.ceil(parseQuantity(v.emptyDir.sizeLimit))}` : '';
        await runTool('mount', ['-t', 'tmpfs', '-o', `mode=1777${size}`, 'tmpfs', dir]);
      }
    } else {
      writeAtomically(dir, await this.files(pod, v));
    }
    return dir;
  }

  private async files(pod: KubeObject, v: VolumeSpec): Promise<VolumeFile[]> {
    const ns = pod.metadata.namespace!;
    if (v.configMap) return this.keyFiles(await this.source('configmaps', ns, v.configMap.name, v.configMap.optional), v.configMap.items, v.configMap.defaultMode ?? 0o644, false);
    if (v.secret) return this.keyFiles(await this.source('secrets', ns, v.secret.secretName, v.secret.optional), v.secret.items, v.secret.defaultMode ?? 0o644, true);
    if (v.downwardAPI) return this.downwardFiles(pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? 0o644);
    if (v.projected) {
      const mode = v.projected.defaultMode ?? 0o644;
      const out: VolumeFile[] = [];
      for (const s of v.projected.sources ?? []) {
        if (s.configMap) out.push(...this.keyFiles(await this.source('configmaps', ns, s.configMap.name, s.configMap.optional), s.configMap.items, mode, false));
        if (s.secret) out.push(...this.keyFiles(await this.source('secrets', ns, s.secret.name, s.secret.optional), s.secret.items, mode, true));
        if (s.downwardAPI) out.push(...this.downwardFiles(pod, s.downwardAPI.items, mode));
        if (s.serviceAccountToken) throw new VolumeError('projected serviceAccountToken sources are not supported by this agent');
      }
      return out;
    }
    throw new VolumeError(`volume "${v.name}" has a type this agent does not support`);
  }

  private async source(kind: 'configmaps' | 'secrets', ns: string, name: string, optional?: boolean): Promise<KubeObject | undefined> {
    try {
      return await this.client.get(RESOURCES[kind], ns, name);
    } catch (err) {
      if (isNotFound(err) && optional) return undefined;
      if (isNotFound(err)) throw new VolumeError(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${name}" not found`);
      throw err;
    }
  }

  private keyFiles(obj: KubeObject | undefined, items: KeyToPath[] | undefined, mode: number, base64: boolean): VolumeFile[] {
    if (!obj) return [];
    const data: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries((obj.data ?? {}) as Record<string, string>)) data[k] = base64 ? Buffer.from(val, 'base64') : Buffer.from(val);
    for (const [k, val] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) data[k] = Buffer.from(val, 'base64');
    const chosen = items ?? Object.keys(data).map((key) => ({ key, path: key }));
    return chosen.filter((i) => data[i.key]).map((i) => ({ path: i.path, content: data[i.key]!, mode: (i as KeyToPath).mode ?? mode }));
  }

  private downwardFiles(pod: KubeObject, items: DownwardApiItem[], mode: number): VolumeFile[] {
    return items.filter((i) => i.fieldRef).map((i) => ({ path: i.path, content: Buffer.from(fieldPathValue(pod, i.fieldRef!.fieldPath, undefined)), mode: i.mode ?? mode }));
  }

  /** A claim bound to a local (or hostPath) PersistentVolume resolves to its path on this node. */
  private async localPvPath(ns: string, claimName: string): Promise<string> {
    const pvc = await this.client.get(RESOURCES.persistentvolumeclaims, ns, claimName).catch((err) => {
      throw isNotFound(err) ? new VolumeError(`persistentvolumeclaim "${claimName}" not found`) : err;
    });
    const volumeName = (pvc.spec as { volumeName?: string }).volumeName ?? '';
    const phase = (pvc.status as { phase?: string } | undefined)?.phase ?? '';
    // As the kubelet: only a Bound claim is mounted.
    if (phase !== 'Bound' || !volumeName) throw new VolumeError(`PVC ${ns}/${claimName} has non-bound phase ("${phase}") or empty pvc.Spec.VolumeName ("${volumeName}")`);
    const pv = await this.client.get(RESOURCES.persistentvolumes, undefined, volumeName);
    const spec = pv.spec as { local?: { path: string }; hostPath?: { path: string; type?: string } };
    if (spec.hostPath) {
      checkHostPath(spec.hostPath.path, spec.hostPath.type ?? '');
      return spec.hostPath.path;
    }
    // A local volume is a path an administrator made on this node: it must be there.
    if (!spec.local?.path) throw new VolumeError(`persistentvolume "${volumeName}" is neither a local nor a hostPath volume`);
    if (!existsSync(spec.local.path)) throw new VolumeError(`local volume path ${spec.local.path} of persistentvolume "${volumeName}" does not exist`);
    return spec.local.path;
  }

  /** Unmounts memory-backed emptyDirs and removes the volumes dir. */
  async teardown(podDir: string): Promise<void> {
    const dir = this.volumesDir(podDir);
    for (const mp of mountsUnder(dir)) await runTool('umount', ['-l', mp], { allowFailure: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
