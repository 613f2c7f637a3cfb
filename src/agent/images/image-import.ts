// `k8ts image import`: loads docker-archive (`docker save`) and OCI-layout
// tarballs into the image store, without a registry.
import { existsSync, mkdtempSync, readFileSync, rmSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../exec-file.js';
import type { ImageStore, StoredImage } from './image-store.js';
import { hostPlatform, parseImageConfig, parseManifest, selectPlatform, type Descriptor } from './manifest.js';
import { sha256Digest } from './blob-store.js';
import { sniffCompression } from './layer-unpacker.js';
import { formatReference, parseImageReference, repositoryOfName } from './reference.js';

/** An image an import recorded, with the name this import gave it (the image may carry other names too). */
export interface ImportedImage {
  image: StoredImage;
  name?: string;
}

export async function importImageArchive(store: ImageStore, archive: string, nameOverride?: string): Promise<ImportedImage[]> {
  const dir = mkdtempSync(join(store.dir, 'import-'));
  try {
    await runTool('tar', ['-x', '-f', archive, '-C', dir]);
    if (existsSync(join(dir, 'oci-layout'))) return await importOciLayout(store, dir, nameOverride);
    if (existsSync(join(dir, 'manifest.json'))) return await importDockerArchive(store, dir, nameOverride);
    throw new Error(`${archive} is neither an OCI layout nor a docker-archive (no oci-layout or manifest.json)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function canonicalName(name: string): string {
  return formatReference(parseImageReference(name));
}

async function importOciLayout(store: ImageStore, dir: string, nameOverride?: string): Promise<ImportedImage[]> {
  const blob = (digest: string) => readFileSync(join(dir, 'blobs', ...digest.split(':')));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: (Descriptor & { annotations?: Record<string, string> })[] };
  const out: ImportedImage[] = [];
  for (const entry of index.manifests) {
    let desc: Descriptor = entry;
    let doc = parseManifest(blob(desc.digest), desc.mediaType);
    if (doc.kind === 'index') {
      const chosen = selectPlatform(doc, hostPlatform());
      if (!chosen) continue;
      desc = chosen;
      doc = parseManifest(blob(desc.digest), desc.mediaType);
      if (doc.kind !== 'manifest') continue;
    }
    const manifestBytes = blob(desc.digest);
    store.blobs.put(manifestBytes, desc.digest);
    store.blobs.put(blob(doc.config.digest), doc.config.digest);
    const config = parseImageConfig(store.blobs.read(doc.config.digest));
    for (const [i, layer] of doc.layers.entries()) {
      const bytes = blob(layer.digest);
      store.blobs.put(bytes, layer.digest);
      await store.unpack(layer, config.diffIds[i]);
    }
    const refName = entry.annotations?.['io.containerd.image.name'] ?? entry.annotations?.['org.opencontainers.image.ref.name'];
    const name = nameOverride ?? (refName && refName.includes('/') ? refName : refName ? `import.local/image:${refName}` : undefined);
    const canonical = name ? canonicalName(name) : undefined;
    out.push({ name: canonical, image: store.register(canonical, canonical ? `${repositoryOfName(canonical)}@${desc.digest}` : undefined, doc.config.digest, doc.layers, config.diffIds) });
  }
  return out;
}

async function importDockerArchive(store: ImageStore, dir: string, nameOverride?: string): Promise<ImportedImage[]> {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Config: string; RepoTags?: string[] | null; Layers: string[] }[];
  const out: ImportedImage[] = [];
  for (const entry of manifest) {
    const configBytes = readFileSync(join(dir, entry.Config));
    const configDigest = store.blobs.put(configBytes);
    const config = parseImageConfig(configBytes);
    const layers: Descriptor[] = [];
    for (const [i, file] of entry.Layers.entries()) {
      const path = join(dir, file);
      const bytes = readFileSync(path);
      const digest = store.blobs.put(bytes);
      const compression = sniffCompression(firstBytes(path));
      const mediaType = compression === 'gzip' ? 'application/vnd.oci.image.layer.v1.tar+gzip' : compression === 'zstd' ? 'application/vnd.oci.image.layer.v1.tar+zstd' : 'application/vnd.oci.image.layer.v1.tar';
      const layer = { mediaType, digest, size: bytes.length };
      layers.push(layer);
      await store.unpack(layer, config.diffIds[i]);
    }
    const tags = nameOverride ? [nameOverride] : entry.RepoTags ?? [];
    const manifestDigest = sha256Digest(JSON.stringify({ config: configDigest, layers: layers.map((l) => l.digest) }));
    if (tags.length === 0) out.push({ image: store.register(undefined, `import.local/untagged@${manifestDigest}`, configDigest, layers, config.diffIds) });
    for (const tag of tags) out.push({ name: canonicalName(tag), image: store.register(canonicalName(tag), undefined, configDigest, layers, config.diffIds) });
  }
  return out;
}

function firstBytes(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    readSync(fd, buf, 0, 8, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

