// The node's image store: content-addressed blobs, one unpacked directory
// per layer (keyed by diff ID, shared between images), and a small JSON
// index of images by name. Pulls and imports both end here; containers get
// their root filesystem as overlayfs over the layer directories.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore, digestHex } from './blob-store.js';
import { unpackLayerFile } from './layer-unpacker.js';
import { layerCompression, parseImageConfig, type ImageConfig, type Descriptor } from './manifest.js';
import { parseImageReference, repositoryName, repositoryOfName } from './reference.js';

export interface StoredImage {
  /** The config digest: the image ID. */
  id: string;
  /** Names (registry/repo:tag) that point at this image. */
  names: string[];
  /** registry/repo@manifestDigest for each repository it came from. */
  repoDigests: string[];
  /** Diff IDs, bottom layer first. */
  layers: string[];
  config: ImageConfig;
  /** Compressed size, as registries report it. */
  size: number;
}

interface IndexFile {
  images: StoredImage[];
}

/** What `remove` did: names taken off the image, and its ID when the image itself went. */
export interface RemovedImage {
  untagged: string[];
  deleted?: string;
}

/**
 * The imageID a container status reports for an image run by `name`: the
 * repo digest of that name's repository (one image pulled under several
 * names, or through a mirror, has several), else any repo digest, else the ID.
 */
export function imageIdFor(image: StoredImage, name: string): string {
  let repository: string | undefined;
  try {
    repository = repositoryName(parseImageReference(name));
  } catch {
    // an unparsable name matches no repo digest
  }
  return image.repoDigests.find((d) => repository !== undefined && d.startsWith(`${repository}@`)) ?? image.repoDigests[0] ?? image.id;
}

export class ImageStore {
  readonly blobs: BlobStore;
  private readonly layersDir: string;
  private readonly indexPath: string;
  private images: StoredImage[] = [];
  /** Identity of the index file last read or written: `k8ts image import` may change it under a running agent. */
  private indexStamp = '';
  /** Unpacks in flight by diff ID or blob digest, so concurrent pulls share them. */
  private readonly unpacking = new Map<string, Promise<string>>();

  constructor(readonly dir: string) {
    this.blobs = new BlobStore(join(dir, 'blobs'));
    this.layersDir = join(dir, 'layers', 'sha256');
    mkdirSync(this.layersDir, { recursive: true });
    this.indexPath = join(dir, 'images.json');
    this.refresh();
  }

  list(): StoredImage[] {
    this.refresh();
    return [...this.images];
  }

  /** Finds an image by name, repo digest, ID or ID prefix. */
  find(nameOrId: string): StoredImage | undefined {
    this.refresh();
    return this.images.find((i) => i.names.includes(nameOrId) || i.repoDigests.includes(nameOrId) || i.id === nameOrId)
      ?? (/^(sha256:)?[a-f0-9]{6,64}$/.test(nameOrId) ? this.images.find((i) => i.id.replace('sha256:', '').startsWith(nameOrId.replace('sha256:', ''))) : undefined);
  }

  layerDir(diffId: string): string {
    return join(this.layersDir, digestHex(diffId));
  }

  hasLayer(diffId: string): boolean {
    return existsSync(join(this.layerDir(diffId), '..', `${digestHex(diffId)}.done`)) && existsSync(this.layerDir(diffId));
  }

  /**
   * Unpacks a stored layer blob unless its diff ID is already there.
   * Returns the diff ID computed from the content (the trustworthy one).
   */
  async unpack(layer: Descriptor, expectedDiffId: string | undefined): Promise<string> {
    if (expectedDiffId && this.hasLayer(expectedDiffId)) return expectedDiffId;
    const key = expectedDiffId ?? layer.digest;
    const running = this.unpacking.get(key);
    if (running) return running;
    const work = (async () => {
      // Unpacked under a name of the blob, then renamed to the computed diff ID.
      const staging = join(this.layersDir, `blob-${digestHex(layer.digest)}`);
      const diffId = await unpackLayerFile(this.blobs.path(layer.digest), layerCompression(layer.mediaType), staging);
      if (expectedDiffId && diffId !== expectedDiffId) {
        rmSync(staging, { recursive: true, force: true });
        throw new Error(`layer ${layer.digest} unpacked to ${diffId}, but the image config says ${expectedDiffId}`);
      }
      const target = this.layerDir(diffId);
      if (this.hasLayer(diffId)) rmSync(staging, { recursive: true, force: true });
      else {
        rmSync(target, { recursive: true, force: true });
        renameSync(staging, target);
        writeFileSync(join(this.layersDir, `${digestHex(diffId)}.done`), '');
      }
      return diffId;
    })();
    this.unpacking.set(key, work);
    try {
      return await work;
    } finally {
      this.unpacking.delete(key);
    }
  }

  /** Records an image whose config and layers are all in the store. */
  register(name: string | undefined, repoDigest: string | undefined, configDigest: string, layers: Descriptor[], diffIds: string[]): StoredImage {
    const config = parseImageConfig(this.blobs.read(configDigest));
    this.refresh();
    let image = this.images.find((i) => i.id === configDigest);
    if (!image) {
      image = { id: configDigest, names: [], repoDigests: [], layers: diffIds, config, size: layers.reduce((n, l) => n + l.size, 0) };
      this.images.push(image);
    }
    if (name) {
      // A name points at one image: moving a tag takes it off the old one.
      for (const other of this.images) if (other !== image) other.names = other.names.filter((n) => n !== name);
      if (!image.names.includes(name)) image.names.push(name);
    }
    if (repoDigest && !image.repoDigests.includes(repoDigest)) image.repoDigests.push(repoDigest);
    this.images = this.images.filter((i) => i.names.length > 0 || i.repoDigests.length > 0);
    this.save();
    return image;
  }

  /**
   * Removes an image by name or ID, as `docker rmi` does: a name the image
   * shares with other names is only untagged; otherwise the image goes, and
   * with it the layers no other image uses.
   */
  remove(nameOrId: string, opts: { containerUsing?: (image: StoredImage) => string | undefined } = {}): RemovedImage | undefined {
    const image = this.find(nameOrId);
    if (!image) return undefined;
    if (image.names.includes(nameOrId) && image.names.length > 1) {
      image.names = image.names.filter((n) => n !== nameOrId);
      // A repo digest stays only while a name of that repository still points here.
      const repository = repositoryOfName(nameOrId);
      if (!image.names.some((n) => repositoryOfName(n) === repository)) image.repoDigests = image.repoDigests.filter((d) => !d.startsWith(`${repository}@`));
      this.save();
      return { untagged: [nameOrId] };
    }
    // Its layers are the lower dirs of that container's root filesystem.
    const container = opts.containerUsing?.(image);
    if (container) throw new Error(`conflict: unable to remove image ${nameOrId} (${image.id.replace('sha256:', '').slice(0, 12)}): it is being used by container ${container}`);
    this.images = this.images.filter((i) => i !== image);
    this.save();
    const inUse = new Set(this.images.flatMap((i) => i.layers));
    for (const diffId of image.layers) {
      if (inUse.has(diffId)) continue;
      rmSync(join(this.layersDir, `${digestHex(diffId)}.done`), { force: true });
      rmSync(this.layerDir(diffId), { recursive: true, force: true });
    }
    if (!this.images.some((i) => i.id === image.id)) this.blobs.remove(image.id);
    return { untagged: image.names, deleted: image.id };
  }

  /** Layer directories of an image, top layer first: overlayfs lowerdir order. */
  lowerDirs(image: StoredImage): string[] {
    return image.layers.map((d) => this.layerDir(d)).reverse();
  }

  private save(): void {
    const tmp = `${this.indexPath}.tmp`;
    writeFileSync(tmp, JSON.stringify({ images: this.images } satisfies IndexFile, null, 1));
    renameSync(tmp, this.indexPath);
    this.indexStamp = fileStamp(this.indexPath);
  }

  /** Re-reads the index when another process (the image CLI, another agent run) replaced it. */
  private refresh(): void {
    const stamp = fileStamp(this.indexPath);
    if (stamp === this.indexStamp) return;
    this.images = stamp ? (JSON.parse(readFileSync(this.indexPath, 'utf8')) as IndexFile).images : [];
    this.indexStamp = stamp;
  }

  /** Drops leftovers of interrupted unpacks. */
  sweep(): void {
    for (const entry of readdirSync(this.layersDir)) {
      if (entry.endsWith('.partial') || entry.startsWith('blob-')) rmSync(join(this.layersDir, entry), { recursive: true, force: true });
    }
  }
}

/** Inode, size and mtime: save() renames a new file into place, so the inode alone tells a rewrite apart. */
function fileStamp(path: string): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return '';
  }
}
