// `k8ts image import|ls|rm`: the node's image store from the command line,
// working on the agent's data dir directly (no server needed).
import { join } from 'node:path';
import { ImageStore } from './images/image-store.js';
import { importImageArchive } from './images/image-import.js';

export function agentImageStore(agentDataDir: string): ImageStore {
  return new ImageStore(join(agentDataDir, 'images'));
}

export async function importImages(agentDataDir: string, archive: string, name?: string): Promise<string[]> {
  const imported = await importImageArchive(agentImageStore(agentDataDir), archive, name);
  return imported.map((i) => `${i.names[0] ?? i.repoDigests[0] ?? i.id} ${i.id}`);
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

export function removeImage(agentDataDir: string, nameOrId: string): string | undefined {
  return agentImageStore(agentDataDir).remove(nameOrId)?.id;
}
