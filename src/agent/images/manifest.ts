// OCI and Docker v2 manifests, manifest lists and image indexes: parsing,
// choosing the platform this node runs, and the image config.
export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** What we ask registries for, most preferred first. */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export type Compression = 'gzip' | 'zstd' | 'none';

export class ManifestError extends Error {}

export function parseManifest(body: Buffer | string, contentType?: string): ImageManifest | ImageIndex {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString()) as Record<string, unknown>;
  } catch {
    throw new ManifestError('manifest is not valid JSON');
  }
  const mediaType = (doc.mediaType as string | undefined) ?? contentType?.split(';')[0]?.trim() ?? '';
  if (Array.isArray(doc.manifests) || mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList) {
    if (!Array.isArray(doc.manifests)) throw new ManifestError('image index has no manifests');
    return { kind: 'index', mediaType: mediaType || MEDIA_TYPES.ociIndex, manifests: (doc.manifests as unknown[]).map(descriptor) };
  }
  if (doc.schemaVersion === 1) throw new ManifestError('Docker schema 1 manifests are not supported');
  if (!doc.config || !Array.isArray(doc.layers)) throw new ManifestError(`unsupported manifest (media type "${mediaType}")`);
  return { kind: 'manifest', mediaType: mediaType || MEDIA_TYPES.ociManifest, config: descriptor(doc.config), layers: (doc.layers as unknown[]).map(descriptor) };
}

function descriptor(raw: unknown): Descriptor {
  const d = raw as Partial<Descriptor> | null;
  if (!d || typeof d.digest !== 'string' || typeof d.size !== 'number' || typeof d.mediaType !== 'string') {
    throw new ManifestError('descriptor needs mediaType, digest and size');
  }
  if (!/^sha256:[a-f0-9]{64}$/.test(d.digest)) throw new ManifestError(`unsupported digest "${d.digest}"`);
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, platform: d.platform, annotations: d.annotations };
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The node's platform in OCI terms. */
export function hostPlatform(): Platform {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
  return { os: 'linux', architecture: arch, variant: arch === 'arm64' ? 'v8' : undefined };
}

/** Picks the manifest for `platform` from an index; undefined when none fits. */
export function selectPlatform(index: ImageIndex, platform: Platform): Descriptor | undefined {
  const candidates = index.manifests.filter((m) => m.platform?.os === platform.os && m.platform.architecture === platform.architecture
    // Attestation manifests (buildkit) carry an unknown platform and must not be picked.
    && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
  return candidates.find((m) => !platform.variant || !m.platform?.variant || m.platform.variant === platform.variant) ?? candidates[0];
}

export function layerCompression(mediaType: string): Compression {
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd')) return 'zstd';
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip') || mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip') return 'gzip';
  if (mediaType.endsWith('.tar') || mediaType.endsWith('layer.v1.tar')) return 'none';
  throw new ManifestError(`unsupported layer media type "${mediaType}"`);
}

/** The parts of an image config a container needs. */
export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  /** diff_ids: digests of the uncompressed layers. */
  diffIds: string[];
}

export function parseImageConfig(body: Buffer | string): ImageConfig {
  let doc: { config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; WorkingDir?: string; User?: string }; rootfs?: { diff_ids?: string[] } };
  try {
    doc = JSON.parse(body.toString());
  } catch {
    throw new ManifestError('image config is not valid JSON');
  }
  const c = doc.config ?? {};
  return {
    entrypoint: c.Entrypoint ?? [],
    cmd: c.Cmd ?? [],
    env: c.Env ?? [],
    workingDir: c.WorkingDir ?? '',
    user: c.User ?? '',
    diffIds: doc.rootfs?.diff_ids ?? [],
  };
}
