// `k8ts image import|ls|rm`: the node's image store from the command line,
// working on the agent's data dir directly (no server needed).
import { join } from 'node:path';
import { readContainerRecords } from './runtime/container-runtime.js';
import { ImageStore, type StoredImage } from './images/image-store.js';
import { importImageArchive } from './images/image-import.js';

export function agentImageStore(agentDataDir: string): ImageStore {
  return new ImageStore(join(agentDataDir, 'images'));
}

/** One line per image imported: the name the archive (or --name) gave it, and its ID. */
export async function importImages(agentDataDir: string, archive: string, name?: string): Promise<string[]> {
  const imported = await importImageArchive(agentImageStore(agentDataDir), archive, name);
  return imported.map((i) => `${i.name ?? i.image.repoDigests[0] ?? i.image.id} ${i.image.id}`);
}

/** Rows as `crictl images` prints them. */
export function listImages(agentDataDir: string): string[] {
  const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const image of agentImageStore(agentDataDir).list()) {
    const names = image.names.length ? image.names : [`${image.repoDigests[0]?.split('@')[0] ?? '<none>'}:<none>`];
    for (const n of names) {
      const colon = n.lastIndexOf(':');
      rows.push([n.slice(0, colon), n.slice(colon + 1), image.id.replace('sha256:', '').slice(0, 13), `${(image.size / 1024 / 1024).toFixed(1)}MB`]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('   ').trimEnd());
}

/** Lines as `docker rmi` prints them (Untagged: …, Deleted: …), or undefined when there is no such image. */
export function removeImage(agentDataDir: string, nameOrId: string): string[] | undefined {
  const removed = agentImageStore(agentDataDir).remove(nameOrId, { containerUsing: (image) => containerUsing(agentDataDir, image) });
  if (!removed) return undefined;
  return [...removed.untagged.map((n) => `Untagged: ${n}`), ...(removed.deleted ? [`Deleted: ${removed.deleted}`] : [])];
}

/** A container the agent keeps (running or exited, not yet removed) on this image, read from its records on disk. */
function containerUsing(agentDataDir: string, image: StoredImage): string | undefined {
  // Records carry the imageID reported in pod status: a repo digest when the image has one, else the config digest.
  const ids = new Set([image.id, ...image.repoDigests]);
  const record = readContainerRecords(join(agentDataDir, 'pods')).find((r) => ids.has(r.imageId));
  return record && `${record.id} (pod ${record.podNamespace}/${record.podName})`;
}
