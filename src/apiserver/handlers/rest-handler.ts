// The REST verbs on one resource: get, list, create, update, patch, delete,
// deletecollection and watch, plus the status and scale subresources.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/types.js';
import type { ResourceInfo } from '../../api/resources.js';
import { apiVersionOf } from '../../api/resources.js';
import { getPath, setPath } from '../../api/object-paths.js';
import { ApiError, badRequest, methodNotAllowed, notFound, unsupportedMediaType } from '../errors.js';
import { decodeDocument, decodeObjectBody, mediaType, readBody } from '../http/body.js';
import { negotiate, type ResponseShape } from '../http/negotiation.js';
import type { ResourceRequest } from '../http/request-info.js';
import { formatLabelSelector, requirementsFromLabelSelector, type LabelSelectorSpec } from '../selectors/label-selector.js';
import type { DeleteOptions, ResourceStore } from '../registry/resource-store.js';
import { parseIncludeObject, partialObjectMetadata, successStatus, toTable, writeBody, writeJson } from './responses.js';
import { serveWatch } from './watch-handler.js';
import { parseDryRun, parseFieldValidation, parseListOptions } from './query.js';
import { handleEviction } from './eviction.js';

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;
export type PatchType = (typeof PATCH_TYPES)[number];
export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';

export interface RestDependencies {
  nowMs(): number;
  applyPatch(type: PatchType, current: KubeObject, patch: Buffer, info: ResourceInfo): KubeObject;
  /** Paths of fields the kind's schema doesn't know (for fieldValidation). */
  unknownFields(obj: KubeObject, info: ResourceInfo): string[];
  bookmarkIntervalMs: number;
  /** Runs fn after ms on the server's timing wheel; returns a cancel function. */
  schedule?(ms: number, fn: () => void): () => void;
  /** Another resource's registry (pods/eviction reads PodDisruptionBudgets). */
  registryFor?(group: string, version: string, plural: string): ResourceStore | undefined;
}

export class RestHandler {
  constructor(
    private readonly registry: ResourceStore,
    private readonly deps: RestDependencies,
  ) {}

  private get info(): ResourceInfo {
    return this.registry.strategy.info;
  }

  async handle(req: IncomingMessage, res: ServerResponse, target: ResourceRequest, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const ns = this.info.namespaced ? target.namespace : undefined;
    if (this.info.namespaced && target.namespace === undefined && target.name !== undefined) {
      // /api/v1/pods/x isn't a thing: a namespaced object needs its namespace.
      throw notFound({ group: '', resource: '' }, target.resource);
    }
    const shape = negotiate(req.headers.accept);
    const sub = target.subresource ?? '';
    if (sub && !target.name) throw notFound({ group: '', resource: '' }, target.resource);
    if (sub === 'scale') return this.handleScale(req, res, ns, target.name!, method, query);
    if (sub === 'finalize' && this.info.kind === 'Namespace') return this.handleFinalize(req, res, target.name!, method, query);
    if (sub === 'binding' && this.info.kind === 'Pod' && this.info.group === '') return this.handleBinding(req, res, ns, target.name!, method, query);
    if (sub === 'eviction' && this.info.kind === 'Pod' && this.info.group === '') {
      return handleEviction(req, res, ns, target.name!, method, query, {
        pods: this.registry,
        budgets: this.deps.registryFor?.('policy', 'v1', 'poddisruptionbudgets'),
        nowMs: () => this.deps.nowMs(),
      });
    }
    if (sub !== '' && !(sub === 'status' && this.info.hasStatus)) {
      throw notFound({ group: this.info.group, resource: `${this.info.plural}/${sub}` }, target.name!);
    }
    const subresource = sub as '' | 'status';
    const watching = query.get('watch') === 'true' || query.get('watch') === '1' || (target as { legacyWatch?: boolean }).legacyWatch === true;

    if (!target.name) {
      switch (method) {
        case 'GET':
          if (watching) return serveWatch(req, res, this.registry, ns, query, shape, this.deps);
          return this.list(res, ns, query, shape);
        case 'POST':
          return this.create(req, res, ns, query, shape);
        case 'DELETE':
          return this.deleteCollection(req, res, ns, query);
        default:
          throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      }
    }
    const name = target.name;
    switch (method) {
      case 'GET':
        if (watching) {
          query.set('fieldSelector', [query.get('fieldSelector'), `metadata.name=${name}`].filter(Boolean).join(','));
          return serveWatch(req, res, this.registry, ns, query, shape, this.deps);
        }
        return this.respondObject(res, 200, await this.registry.get(ns, name), shape, query);
      case 'PUT':
        return this.replace(req, res, ns, name, subresource, query, shape);
      case 'PATCH':
        return this.patch(req, res, ns, name, subresource, query, shape);
      case 'DELETE':
        if (subresource) throw methodNotAllowed('the server does not allow this method on the requested resource');
        return this.delete(req, res, ns, name, query, shape);
      default:
        throw methodNotAllowed('the server does not allow this method on the requested resource');
    }
  }

  private respondObject(res: ServerResponse, code: number, obj: KubeObject, shape: ResponseShape, query: URLSearchParams, headers: Record<string, string> = {}): void {
    if (shape.as === 'Table') {
      const table = toTable([obj], this.registry.strategy.table, {
        include: parseIncludeObject(query.get('includeObject')),
        nowMs: this.deps.nowMs(),
        resourceVersion: obj.metadata.resourceVersion,
      });
      writeJson(res, code, table, 'application/json', headers);
      return;
    }
    if (shape.as === 'PartialObjectMetadata') {
      writeJson(res, code, partialObjectMetadata(obj), 'application/json', headers);
      return;
    }
    if (Object.keys(headers).length > 0) writeJson(res, code, obj, 'application/json', headers);
    else writeBody(res, code, obj, shape);
  }

  private async list(res: ServerResponse, ns: string | undefined, query: URLSearchParams, shape: ResponseShape): Promise<void> {
    const opts = parseListOptions(query);
    const result = await this.registry.list(ns, opts);
    if (shape.as === 'Table') {
      writeJson(res, 200, toTable(result.items, this.registry.strategy.table, {
        include: parseIncludeObject(query.get('includeObject')),
        nowMs: this.deps.nowMs(),
        resourceVersion: result.resourceVersion,
        continueToken: result.continueToken,
      }));
      return;
    }
    const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continueToken) metadata.continue = result.continueToken;
    if (shape.as === 'PartialObjectMetadata') {
      writeJson(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items: result.items.map(partialObjectMetadata) });
      return;
    }
    const list = { kind: this.info.listKind, apiVersion: apiVersionOf(this.info), metadata, items: result.items };
    writeBody(res, 200, list, shape);
  }

  /** Decodes a create/update body and applies fieldValidation; returns warnings for Warn. */
  private checkFields(obj: KubeObject, query: URLSearchParams): string[] {
    const mode = parseFieldValidation(query);
    if (mode === 'Ignore') return [];
    const unknown = this.registry.strategy.unknownFields?.(obj) ?? this.deps.unknownFields(obj, this.info);
    if (unknown.length === 0) return [];
    if (mode === 'Strict') {
      const { kind, version } = this.info;
      throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`);
    }
    return unknown.map((p) => `unknown field "${p}"`);
  }

  private async create(req: IncomingMessage, res: ServerResponse, ns: string | undefined, query: URLSearchParams, shape: ResponseShape): Promise<void> {
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']) as KubeObject;
    const warnings = this.checkFields(body, query);
    const created = await this.registry.create(ns, body, { dryRun: parseDryRun(query), fieldManager: fieldManagerOf(req, query) });
    this.respondObject(res, 201, created, shape, query, warningHeaders(warnings));
  }

  private async replace(req: IncomingMessage, res: ServerResponse, ns: string | undefined, name: string, subresource: '' | 'status', query: URLSearchParams, shape: ResponseShape): Promise<void> {
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']) as KubeObject;
    const warnings = this.checkFields(body, query);
    const updated = await this.registry.update(ns, name, () => body, { dryRun: parseDryRun(query), subresource, fieldManager: fieldManagerOf(req, query) });
    this.respondObject(res, 200, updated, shape, query, warningHeaders(warnings));
  }

  private async patch(req: IncomingMessage, res: ServerResponse, ns: string | undefined, name: string, subresource: '' | 'status', query: URLSearchParams, shape: ResponseShape): Promise<void> {
    if (mediaType(req.headers['content-type']) === APPLY_PATCH_TYPE) return this.apply(req, res, ns, name, subresource, query, shape);
    const type = mediaType(req.headers['content-type']) as PatchType;
    if (!PATCH_TYPES.includes(type)) throw unsupportedMediaType(type);
    // Custom resources have no patch strategies: kube-apiserver refuses strategic merge patches for them.
    if (type === 'application/strategic-merge-patch+json' && this.registry.strategy.openApiSchema) {
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, ${APPLY_PATCH_TYPE}`);
    }
    const patch = await readBody(req);
    let warnings: string[] = [];
    const updated = await this.registry.update(ns, name, (current) => {
      const patched = this.deps.applyPatch(type, current, patch, this.info);
      warnings = this.checkFields(patched, query);
      return patched;
    }, { dryRun: parseDryRun(query), subresource, fieldManager: fieldManagerOf(req, query) });
    this.respondObject(res, 200, updated, shape, query, warningHeaders(warnings));
  }

  /** Server-side apply: the body is the applier's whole configuration (YAML or JSON). */
  private async apply(req: IncomingMessage, res: ServerResponse, ns: string | undefined, name: string, subresource: '' | 'status', query: URLSearchParams, shape: ResponseShape): Promise<void> {
    const manager = query.get('fieldManager');
    if (!manager) {
      throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
        group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
      });
    }
    const applied = decodeDocument(await readBody(req), 'application/yaml');
    if (applied === null || typeof applied !== 'object' || Array.isArray(applied)) throw badRequest('error decoding YAML: the apply configuration must be an object');
    const config = applied as KubeObject;
    const warnings = this.checkFields(config, query);
    const force = query.get('force') === 'true';
    const result = await this.registry.apply(ns, name, config, { dryRun: parseDryRun(query), fieldManager: manager, force, subresource });
    // An apply that created the object answers 201, as in Kubernetes.
    this.respondObject(res, result.created ? 201 : 200, result.object, shape, query, warningHeaders(warnings));
  }

  private async deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
    const raw = await readBody(req);
    const body = raw.length > 0 ? (decodeObjectBody(raw, req.headers['content-type']) as Record<string, unknown>) : {};
    const grace = query.get('gracePeriodSeconds') ?? (body.gracePeriodSeconds as number | undefined);
    let policy = (query.get('propagationPolicy') ?? body.propagationPolicy) as DeleteOptions['propagationPolicy'] | undefined;
    const orphan = query.get('orphanDependents') ?? body.orphanDependents;
    if (!policy && (orphan === true || orphan === 'true')) policy = 'Orphan';
    if (policy && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
    }
    const dryRunBody = Array.isArray(body.dryRun) && (body.dryRun as string[]).includes('All');
    return {
      dryRun: parseDryRun(query) || dryRunBody,
      gracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
      propagationPolicy: policy,
      preconditions: body.preconditions as DeleteOptions['preconditions'],
    };
  }

  private async delete(req: IncomingMessage, res: ServerResponse, ns: string | undefined, name: string, query: URLSearchParams, shape: ResponseShape): Promise<void> {
    const opts = await this.deleteOptions(req, query);
    const result = await this.registry.delete(ns, name, opts);
    if (result.metadata.deletionTimestamp || this.info.kind === 'Pod') {
      this.respondObject(res, 200, result, shape, query);
      return;
    }
    writeJson(res, 200, successStatus({ name, group: this.info.group || undefined, kind: this.info.plural, uid: result.metadata.uid }));
  }

  private async deleteCollection(req: IncomingMessage, res: ServerResponse, ns: string | undefined, query: URLSearchParams): Promise<void> {
    if (!this.info.verbs.includes('deletecollection')) throw methodNotAllowed('the server does not allow this method on the requested resource');
    const opts = await this.deleteOptions(req, query);
    const deleted = await this.registry.deleteCollection(ns, parseListOptions(query), opts);
    writeJson(res, 200, { kind: this.info.listKind, apiVersion: apiVersionOf(this.info), metadata: {}, items: deleted });
  }

  // ---- scale ----

  private toScale(obj: KubeObject): KubeObject {
    const scale = this.info.scale!;
    // A CRD's labelSelectorPath names a string (already serialised); the built-ins' a LabelSelector.
    const selector = scale.labelSelectorPath.length > 0 ? getPath(obj, scale.labelSelectorPath) as LabelSelectorSpec | string | undefined : undefined;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: (getPath(obj, scale.specReplicasPath) as number | undefined) ?? 0 },
      status: {
        replicas: (getPath(obj, scale.statusReplicasPath) as number | undefined) ?? 0,
        selector: typeof selector === 'string' ? selector : selector ? formatLabelSelector(requirementsFromLabelSelector(selector)) : '',
      },
    };
  }

  private async handleScale(req: IncomingMessage, res: ServerResponse, ns: string | undefined, name: string, method: string, query: URLSearchParams): Promise<void> {
    if (!this.info.scale) throw notFound({ group: this.info.group, resource: `${this.info.plural}/scale` }, name);
    if (method === 'GET') {
      writeJson(res, 200, this.toScale(await this.registry.get(ns, name)));
      return;
    }
    let applyScale: (scale: KubeObject) => KubeObject;
    if (method === 'PUT') {
      const body = decodeObjectBody(await readBody(req), req.headers['content-type']) as KubeObject;
      applyScale = () => body;
    } else if (method === 'PATCH') {
      const type = mediaType(req.headers['content-type']) as PatchType;
      if (!PATCH_TYPES.includes(type)) throw unsupportedMediaType(type);
      const patch = await readBody(req);
      const scaleInfo = { ...this.info, group: 'autoscaling', version: 'v1', kind: 'Scale' };
      applyScale = (scale) => this.deps.applyPatch(type, scale, patch, scaleInfo);
    } else {
      throw methodNotAllowed('the server does not allow this method on the requested resource');
    }
    const updated = await this.registry.update(ns, name, (current) => {
      const desired = applyScale(this.toScale(current));
      const replicas = (desired.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw new ApiError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
          name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: must be greater than or equal to 0', field: 'spec.replicas' }],
        });
      }
      const next = { ...current };
      if (desired.metadata?.resourceVersion) next.metadata = { ...next.metadata, resourceVersion: desired.metadata.resourceVersion };
      setPath(next as Record<string, unknown>, this.info.scale!.specReplicasPath, replicas);
      return next;
    }, { dryRun: parseDryRun(query), subresource: '', fieldManager: fieldManagerOf(req, query) });
    writeJson(res, 200, this.toScale(updated));
  }

  // ---- pods/binding ----

  private async handleBinding(req: IncomingMessage, res: ServerResponse, ns: string | undefined, name: string, method: string, query: URLSearchParams): Promise<void> {
    if (method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']) as KubeObject;
    const target = (body.target ?? {}) as { kind?: string; name?: string };
    if (!target.name) throw new ApiError(422, 'Invalid', `Binding "${name}" is invalid: target.name: Required value`, { name, kind: 'Binding', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }] });
    if (target.kind && target.kind !== 'Node') throw new ApiError(422, 'Invalid', `Binding "${name}" is invalid: target.kind: Unsupported value: "${target.kind}": supported values: "Node"`);
    await this.registry.update(ns, name, (pod) => ({ ...pod, spec: { ...(pod.spec as object), nodeName: target.name } }), { dryRun: parseDryRun(query), subresource: 'binding' });
    writeJson(res, 201, successStatus({}));
  }

  // ---- namespace finalize ----

  private async handleFinalize(req: IncomingMessage, res: ServerResponse, name: string, method: string, query: URLSearchParams): Promise<void> {
    if (method !== 'PUT') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']) as KubeObject;
    const finalizers = ((body.spec as { finalizers?: string[] } | undefined)?.finalizers) ?? [];
    const dryRun = parseDryRun(query);
    const updated = await this.registry.update(undefined, name, (current) => {
      const next = { ...current, spec: { ...(current.spec as object), finalizers } };
      if (body.metadata?.resourceVersion) next.metadata = { ...next.metadata, resourceVersion: body.metadata.resourceVersion };
      return next;
    }, { dryRun, subresource: 'finalize' });
    writeJson(res, 200, updated);
  }
}

/**
 * The field manager of a write: the fieldManager parameter, else the
 * client's user agent up to its first "/" ("kubectl"), as Kubernetes names it.
 */
function fieldManagerOf(req: IncomingMessage, query: URLSearchParams): string {
  const explicit = query.get('fieldManager');
  if (explicit) return explicit;
  const agent = req.headers['user-agent'] ?? '';
  return agent.split('/')[0]!.slice(0, 128) || 'unknown';
}

function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}
