// Pulls an image into the store: resolve the reference to a manifest
// (choosing linux/<arch> from an index), fetch config and layers with digest
// verification, unpack the layers, record the image. Registry mirrors are
// tried before the registry itself; progress is reported per layer.
import type { ImageStore, StoredImage } from './image-store.js';
import { formatReference, parseImageReference, registryApiHost, repositoryName, type ImageReference } from './reference.js';
import { RegistryClient, RegistryError, endpointFor } from './registry-client.js';
import type { RegistryCredentials } from './registry-auth.js';
import { hostPlatform, parseImageConfig, parseManifest, selectPlatform, type Descriptor, type ImageManifest } from './manifest.js';
import { sha256Digest } from './blob-store.js';

export interface PullOptions {
  /** Credentials by registry host (from imagePullSecrets). */
  credentials?: Map<string, RegistryCredentials>;
  onProgress?: (message: string) => void;
}

export interface RegistryConfig {
  /** Mirrors to try first, by registry host: e.g. {"docker.io": ["127.0.0.1:5001"]}. */
  mirrors?: Record<string, string[]>;
  /** Registries spoken to over plain HTTP besides loopback ones. */
  insecure?: string[];
}

export class ImagePuller {
  private readonly inFlight = new Map<string, Promise<StoredImage>>();

  constructor(
    private readonly store: ImageStore,
    private readonly registries: RegistryConfig = {},
  ) {}

  /** Pulls `image`; concurrent pulls of the same name share one download. */
  pull(image: string, opts: PullOptions = {}): Promise<StoredImage> {
    const ref = parseImageReference(image);
    const key = formatReference(ref);
    const running = this.inFlight.get(key);
    if (running) return running;
    const work = this.pullFromAny(ref, opts).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  private async pullFromAny(ref: ImageReference, opts: PullOptions): Promise<StoredImage> {
    const hosts = [...(this.registries.mirrors?.[ref.registry] ?? []), registryApiHost(ref.registry)];
    let lastError: unknown;
    for (const host of hosts) {
      try {
        return await this.pullFrom(host, ref, opts);
      } catch (err) {
        lastError = err;
        // A missing image or bad credentials on the registry itself is final; a mirror may just lack it.
      }
    }
    throw lastError;
  }

  private async pullFrom(host: string, ref: ImageReference, opts: PullOptions): Promise<StoredImage> {
    const creds = opts.credentials?.get(ref.registry) ?? opts.credentials?.get(host);
    const client = new RegistryClient(endpointFor(host, this.registries.insecure), ref.repository, creds);
    const progress = opts.onProgress ?? (() => undefined);
    const wanted = ref.digest ?? ref.tag ?? 'latest';
    const fetched = await client.manifest(wanted);
    let manifestDigest = sha256Digest(fetched.body);
    if (ref.digest && manifestDigest !== ref.digest) throw new RegistryError(`manifest digest mismatch: asked for ${ref.digest}, got ${manifestDigest}`, 0);
    let doc = parseManifest(fetched.body, fetched.contentType);
    if (doc.kind === 'index') {
      const platform = hostPlatform();
      const chosen = selectPlatform(doc, platform);
      if (!chosen) throw new RegistryError(`no image for ${platform.os}/${platform.architecture} in ${formatReference(ref)}`, 0);
      const inner = await client.manifest(chosen.digest);
      manifestDigest = sha256Digest(inner.body);
      if (manifestDigest !== chosen.digest) throw new RegistryError(`manifest digest mismatch: index says ${chosen.digest}, got ${manifestDigest}`, 0);
      doc = parseManifest(inner.body, inner.contentType);
      if (doc.kind !== 'manifest') throw new RegistryError('an image index points at another index', 0);
    }
    const manifest: ImageManifest = doc;
    await this.fetchBlob(client, manifest.config);
    const config = parseImageConfig(this.store.blobs.read(manifest.config.digest));
    if (config.diffIds.length !== manifest.layers.length) throw new RegistryError(`image config lists ${config.diffIds.length} layers, manifest ${manifest.layers.length}`, 0);
    const total = manifest.layers.reduce((n, l) => n + l.size, 0);
    progress(`Pulling ${manifest.layers.length} layer(s), ${total} bytes`);
    await Promise.all(manifest.layers.map(async (layer, i) => {
      if (this.store.hasLayer(config.diffIds[i]!)) return;
      await this.fetchBlob(client, layer);
      await this.store.unpack(layer, config.diffIds[i]);
      progress(`Layer ${i + 1}/${manifest.layers.length} ${layer.digest.slice(0, 19)} done (${layer.size} bytes)`);
    }));
    const name = ref.tag ? formatReference({ ...ref, digest: undefined }) : undefined;
    return this.store.register(name, `${repositoryName(ref)}@${manifestDigest}`, manifest.config.digest, manifest.layers, config.diffIds);
  }

  private async fetchBlob(client: RegistryClient, desc: Descriptor): Promise<void> {
    if (this.store.blobs.has(desc.digest)) return;
    await this.store.blobs.putStream(await client.blob(desc.digest), desc.digest);
  }
}
