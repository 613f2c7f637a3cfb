// Makes a container's image present according to its imagePullPolicy, with
// the pod's imagePullSecrets, pull back-off, and the kubelet's Events
// (Pulling, Pulled, Failed, BackOff). Failures surface as the waiting
// reasons kubectl shows: ErrImagePull, ImagePullBackOff, ErrImageNeverPull,
// InvalidImageName.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { BackOff } from '../runtime/backoff.js';
import type { ContainerSpec, PodSpec } from '../pods/pod-spec.js';
import type { ImageStore, StoredImage } from './image-store.js';
import type { ImagePuller } from './image-puller.js';
import { parseDockerConfig, type RegistryCredentials } from './registry-auth.js';
import { formatReference, parseImageReference, InvalidReferenceError } from './reference.js';

export type ImageWaitingReason = 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';

export class ImageUnavailableError extends Error {
  constructor(
    readonly reason: ImageWaitingReason,
    message: string,
    /** For back-off: when to try again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export class ImageManager {
  private readonly backoff: BackOff;
  /** The last pull failure per pod and image, shown with ImagePullBackOff as kubelet 1.32 does. */
  private readonly lastFailure = new Map<string, string>();

  constructor(
    private readonly store: ImageStore,
    private readonly puller: ImagePuller,
    private readonly client: ApiClient,
    private readonly recorder: EventRecorder,
    nowMs: () => number,
    backoffOpts = { initialMs: 10_000, maxMs: 300_000 },
  ) {
    this.backoff = new BackOff(backoffOpts, nowMs);
  }

  async ensure(pod: KubeObject, c: ContainerSpec, fieldPath: string): Promise<StoredImage> {
    let name: string;
    try {
      name = formatReference(parseImageReference(c.image));
    } catch (err) {
      if (err instanceof InvalidReferenceError) throw new ImageUnavailableError('InvalidImageName', `Failed to apply default image tag "${c.image}": ${err.message}`);
      throw err;
    }
    const policy = c.imagePullPolicy ?? (name.endsWith(':latest') ? 'Always' : 'IfNotPresent');
    const present = this.store.find(name);
    const ref = { ...pod, fieldPath } as KubeObject;
    if (present && policy !== 'Always') {
      this.recorder.event(ref, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
      return present;
    }
    if (policy === 'Never') {
      const msg = `Container image "${c.image}" is not present with pull policy of Never`;
      this.recorder.event(ref, 'Warning', 'ErrImageNeverPull', msg);
      throw new ImageUnavailableError('ErrImageNeverPull', msg);
    }
    const key = `${pod.metadata.uid}/${c.image}`;
    const remaining = this.backoff.remainingMs(key);
    if (remaining > 0) {
      this.recorder.event(ref, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
      const why = this.lastFailure.get(key);
      throw new ImageUnavailableError('ImagePullBackOff', `Back-off pulling image "${c.image}"${why ? `: ErrImagePull: ${why}` : ''}`, remaining);
    }
    this.recorder.event(ref, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
    const started = Date.now();
    try {
      const image = await this.puller.pull(c.image, {
        credentials: await this.pullSecrets(pod),
        onProgress: (message) => this.recorder.event(ref, 'Normal', 'Pulling', `${c.image}: ${message}`),
      });
      this.backoff.forget(key);
      this.lastFailure.delete(key);
      this.recorder.event(ref, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${Date.now() - started}ms. Image size: ${image.size} bytes.`);
      return image;
    } catch (err) {
      const delay = this.backoff.next(key);
      this.lastFailure.set(key, (err as Error).message);
      const msg = `Failed to pull image "${c.image}": ${(err as Error).message}`;
      this.recorder.event(ref, 'Warning', 'Failed', msg);
      this.recorder.event(ref, 'Warning', 'Failed', 'Error: ErrImagePull');
      throw new ImageUnavailableError('ErrImagePull', msg, delay);
    }
  }

  private async pullSecrets(pod: KubeObject): Promise<Map<string, RegistryCredentials>> {
    const out = new Map<string, RegistryCredentials>();
    for (const ref of (pod.spec as unknown as PodSpec).imagePullSecrets ?? []) {
      try {
        const secret = await this.client.get(RESOURCES.secrets, pod.metadata.namespace, ref.name);
        const data = (secret.data ?? {}) as Record<string, string>;
        const raw = data['.dockerconfigjson'] ?? data['.dockercfg'];
        if (raw) for (const [host, creds] of parseDockerConfig(Buffer.from(raw, 'base64').toString())) out.set(host, creds);
      } catch {
        // A missing pull secret is not an error in Kubernetes; the pull may still work anonymously.
      }
    }
    return out;
  }
}
