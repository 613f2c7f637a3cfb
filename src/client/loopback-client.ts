// The in-process transport: k8ts server's own controllers reach the API
// through the same registries (defaults, validation, admission, watch cache)
// that serve HTTP, without TLS and JSON in between. Objects are copied at
// the boundary, as serialisation would, so no client can mutate the server's
// watch cache.
import type { KubeObject } from '../api/types.js';
import type { ResourceInfo } from '../api/resources.js';
import type { ApiServer } from '../apiserver/api-server.js';
import { ApiError, badRequest } from '../apiserver/errors.js';
import type { PatchType } from '../apiserver/handlers/rest-handler.js';
import type { ListOptions, ResourceStore } from '../apiserver/registry/resource-store.js';
import { parseLabelSelector } from '../apiserver/selectors/label-selector.js';
import { parseFieldSelector } from '../apiserver/selectors/field-selector.js';
import type {
  ApiClient, ClientDeleteOptions, ClientListOptions, ClientPatchType, ClientSubresource, ClientWatchHandlers, ObjectList, ResourceRef,
} from './api-client.js';

export type PatchApplier = (type: PatchType, current: KubeObject, patch: Buffer, info: ResourceInfo) => KubeObject;

function copy<T>(value: T): T {
  return structuredClone(value);
}

export class LoopbackClient implements ApiClient {
  constructor(
    private readonly api: ApiServer,
    private readonly applyPatch: PatchApplier,
  ) {}

  private registry(ref: ResourceRef): ResourceStore {
    const registry = this.api.registry(ref.group, ref.version, ref.resource);
    if (!registry) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${ref.resource}.${ref.group})`);
    return registry;
  }

  private listOptions(opts: ClientListOptions = {}): ListOptions {
    return {
      labelSelector: parseLabelSelector(opts.labelSelector ?? ''),
      fieldSelector: parseFieldSelector(opts.fieldSelector ?? ''),
      limit: opts.limit,
      continueToken: opts.continueToken,
    };
  }

  private subresource(sub: ClientSubresource | undefined): '' | 'status' {
    if (sub === 'scale') throw badRequest('the loopback client updates spec.replicas directly rather than through scale');
    return sub ?? '';
  }

  async get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject> {
    return copy(await this.registry(ref).get(namespace, name));
  }

  async list(ref: ResourceRef, namespace: string | undefined, opts?: ClientListOptions): Promise<ObjectList> {
    const result = await this.registry(ref).list(namespace, this.listOptions(opts));
    return { items: copy(result.items), resourceVersion: result.resourceVersion, continueToken: result.continueToken };
  }

  async watch(ref: ResourceRef, namespace: string | undefined, resourceVersion: string, opts: ClientListOptions, handlers: ClientWatchHandlers): Promise<() => void> {
    if (!/^\d+$/.test(resourceVersion)) throw badRequest(`watch needs a resourceVersion from a list, got "${resourceVersion}"`);
    let open = true;
    const cancel = await this.registry(ref).watch(namespace, Number(resourceVersion), this.listOptions(opts), {
      event: (type, object) => {
        if (open) handlers.event(type, copy(object));
      },
      close: (err) => {
        if (!open) return;
        open = false;
        handlers.closed(err);
      },
    });
    return () => {
      open = false;
      cancel();
    };
  }

  async create(ref: ResourceRef, namespace: string | undefined, obj: KubeObject): Promise<KubeObject> {
    return copy(await this.registry(ref).create(namespace, obj, { dryRun: false }));
  }

  async update(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, subresource?: ClientSubresource): Promise<KubeObject> {
    const name = obj.metadata.name;
    if (!name) throw badRequest('name is required for an update');
    return copy(await this.registry(ref).update(namespace, name, () => obj, { dryRun: false, subresource: this.subresource(subresource) }));
  }

  async patch(ref: ResourceRef, namespace: string | undefined, name: string, type: ClientPatchType, patch: unknown, subresource?: ClientSubresource): Promise<KubeObject> {
    const registry = this.registry(ref);
    const body = Buffer.from(JSON.stringify(patch));
    const updated = await registry.update(namespace, name, (current) => this.applyPatch(type, current, body, registry.strategy.info), {
      dryRun: false,
      subresource: this.subresource(subresource),
    });
    return copy(updated);
  }

  async bindPod(namespace: string, name: string, nodeName: string): Promise<void> {
    await this.registry({ group: '', version: 'v1', resource: 'pods' }).update(namespace, name, (pod) => ({ ...pod, spec: { ...(pod.spec as object), nodeName } }), {
      dryRun: false,
      subresource: 'binding',
    });
  }

  async finalizeNamespace(name: string, finalizers: string[]): Promise<KubeObject> {
    const namespaces = this.registry({ group: '', version: 'v1', resource: 'namespaces' });
    const updated = await namespaces.update(undefined, name, (ns) => ({ ...ns, spec: { ...(ns.spec as object), finalizers } }), {
      dryRun: false,
      subresource: 'finalize',
    });
    return copy(updated);
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, opts: ClientDeleteOptions = {}): Promise<void> {
    await this.registry(ref).delete(namespace, name, { dryRun: false, ...opts });
  }
}

