// A pod's volumes on this node: directories under the pod's state dir (or
// the host path / local PV path) that containers bind-mount. configMap,
// secret, downwardAPI and projected volumes are rewritten on every sync, so
// they follow their sources in place.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import { runTool } from '../exec-file.js';
import { isMountPoint, mountsUnder } from '../runtime/pod-namespaces.js';
import type { KeyToPath, VolumeSpec } from '../pods/pod-spec.js';
import { podSpec } from '../pods/pod-spec.js';
import { writeAtomically, type VolumeFile } from './atomic-writer.js';
import { fieldPathValue } from '../pods/field-path.js';

export class VolumeError extends Error {}

export class PodVolumes {
  constructor(private readonly client: ApiClient) {}

  volumesDir(podDir: string): string {
    return join(podDir, 'volumes');
  }

  /** Prepares every volume; returns host paths by volume name. */
  async prepare(pod: KubeObject, podDir: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const ns = pod.metadata.namespace!;
    for (const v of podSpec(pod).volumes ?? []) {
      const dir = join(this.volumesDir(podDir), v.name);
      if (v.hostPath) {
        const type = v.hostPath.type ?? '';
        if ((type === 'DirectoryOrCreate' || type === '') && !existsSync(v.hostPath.path) && type === 'DirectoryOrCreate') mkdirSync(v.hostPath.path, { recursive: true, mode: 0o755 });
        if (type === 'Directory' && !(existsSync(v.hostPath.path) && statSync(v.hostPath.path).isDirectory())) throw new VolumeError(`hostPath type check failed: ${v.hostPath.path} is not a directory`);
        out.set(v.name, v.hostPath.path);
        continue;
      }
      if (v.persistentVolumeClaim) {
        out.set(v.name, await this.localPvPath(ns, v.persistentVolumeClaim.claimName));
        continue;
      }
      mkdirSync(dir, { recursive: true });
      if (v.emptyDir) {
        if (v.emptyDir.medium === 'Memory' && !isMountPoint(dir)) {
          await runTool('mount', ['-t', 'tmpfs', '-o', `mode=1777${v.emptyDir.sizeLimit ? `,size=${v.emptyDir.sizeLimit.replace(/i$/, '')}` : ''}`, 'tmpfs', dir]);
        }
      } else {
        writeAtomically(dir, await this.files(pod, v));
      }
      out.set(v.name, dir);
    }
    return out;
  }

  private async files(pod: KubeObject, v: VolumeSpec): Promise<VolumeFile[]> {
    const ns = pod.metadata.namespace!;
    if (v.configMap) return this.keyFiles(await this.source('configmaps', ns, v.configMap.name, v.configMap.optional), v.configMap.items, v.configMap.defaultMode ?? 0o644, false);
    if (v.secret) return this.keyFiles(await this.source('secrets', ns, v.secret.secretName, v.secret.optional), v.secret.items, v.secret.defaultMode ?? 0o644, true);
    if (v.downwardAPI) return this.downwardFiles(pod, v.downwardAPI.items);
    if (v.projected) {
      const out: VolumeFile[] = [];
      for (const s of v.projected.sources ?? []) {
        if (s.configMap) out.push(...this.keyFiles(await this.source('configmaps', ns, s.configMap.name, s.configMap.optional), s.configMap.items, 0o644, false));
        if (s.secret) out.push(...this.keyFiles(await this.source('secrets', ns, s.secret.name, s.secret.optional), s.secret.items, 0o644, true));
        if (s.downwardAPI) out.push(...this.downwardFiles(pod, s.downwardAPI.items));
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

  private downwardFiles(pod: KubeObject, items: { path: string; fieldRef?: { fieldPath: string } }[]): VolumeFile[] {
    return items.filter((i) => i.fieldRef).map((i) => ({ path: i.path, content: Buffer.from(fieldPathValue(pod, i.fieldRef!.fieldPath, undefined)), mode: 0o644 }));
  }

  /** A claim bound to a local (or hostPath) PersistentVolume resolves to its path on this node. */
  private async localPvPath(ns: string, claimName: string): Promise<string> {
    const pvc = await this.client.get(RESOURCES.persistentvolumeclaims, ns, claimName).catch((err) => {
      throw isNotFound(err) ? new VolumeError(`persistentvolumeclaim "${claimName}" not found`) : err;
    });
    const volumeName = (pvc.spec as { volumeName?: string }).volumeName;
    if (!volumeName) throw new VolumeError(`persistentvolumeclaim "${claimName}" is not bound`);
    const pv = await this.client.get(RESOURCES.persistentvolumes, undefined, volumeName);
    const spec = pv.spec as { local?: { path: string }; hostPath?: { path: string } };
    const path = spec.local?.path ?? spec.hostPath?.path;
    if (!path) throw new VolumeError(`persistentvolume "${volumeName}" is not a local volume`);
    mkdirSync(path, { recursive: true });
    return path;
  }

  /** Unmounts memory-backed emptyDirs and removes the volumes dir. */
  async teardown(podDir: string): Promise<void> {
    const dir = this.volumesDir(podDir);
    for (const mp of mountsUnder(dir)) await runTool('umount', ['-l', mp], { allowFailure: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
