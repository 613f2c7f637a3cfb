// The API server's request pipeline: authenticate, route, and hand the
// request to discovery, OpenAPI or the REST handler of one resource.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KindStrategy } from '../api/strategy.js';
import type { KubeObject } from '../api/types.js';
import type { ResourceInfo } from '../api/resources.js';
import type { Store } from '../store/types.js';
import { Discovery } from './discovery.js';
import { ApiError, asApiError, forbidden, notFound, unauthorized } from './errors.js';
import { negotiate } from './http/negotiation.js';
import { parseRequestPath } from './http/request-info.js';
import { RestHandler, type RestDependencies } from './handlers/rest-handler.js';
import { writeError, writeJson } from './handlers/responses.js';
import { ResourceStore, type InvalidFormatter } from './registry/resource-store.js';
import { resourcePrefix } from './registry/keys.js';
import { WatchCache } from './watch-cache.js';
import { ClusterIpAllocator } from './registry/cluster-ip.js';
import { groupVersionPath } from './openapi/naming.js';
import { OPENAPI_V2_PROTOBUF } from './openapi/v2.js';
import type { Schema } from '../api/openapi/schemas.js';
import type { PatchMeta } from './patch/patch-meta.js';

export interface OpenApiService {
  index(): object;
  document(gvPath: string): { body: Buffer; etag: string } | undefined;
  /** Serve a new set of resources and extra (CRD) schemas; only the named group-versions' documents are rebuilt. */
  update?(resources: ResourceInfo[], extraSchemas: Record<string, Schema>, changedGvPaths: string[]): void;
  /** The body of GET /openapi/v2 in this format; absent when v2 is not served. */
  swagger?(format: 'json' | 'protobuf'): { body: Buffer; etag: string };
}

/** A resource installed at run time (a CRD version), with the OpenAPI schemas that describe it. */
export interface DynamicResource {
  strategy: KindStrategy;
  openApiSchemas?: Record<string, Schema>;
}

export interface ApiServerOptions {
  store: Store;
  strategies: KindStrategy[];
  formatInvalid: InvalidFormatter;
  rest: Omit<RestDependencies, 'nowMs'>;
  nowMs?: () => number;
  /** Accepts a request's Authorization header; absent means no authentication (in-process use). */
  authenticate?: (authorization: string | undefined) => boolean;
  openapi?: (resources: ResourceInfo[]) => OpenApiService;
  version: { major: string; minor: string; gitVersion: string };
  serviceCidr?: string;
  /** The schema server-side apply and managedFields follow for a kind. */
  fieldSchema?: (strategy: KindStrategy) => PatchMeta | undefined;
}

/** Paths anyone may read, as Kubernetes' system:public-info-viewer role allows. */
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);
export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class ApiServer {
  private readonly registries = new Map<string, ResourceStore>();
  private readonly handlers = new Map<string, RestHandler>();
  /** Served resources in discovery order: the built-ins, then those added at run time. */
  private readonly strategies: KindStrategy[] = [];
  /** One watch cache per store prefix: the versions of a CRD share their objects. */
  private readonly caches = new Map<string, { cache: WatchCache; users: number }>();
  private readonly extraSchemas = new Map<string, Record<string, Schema>>();
  private readonly discovery: Discovery;
  private readonly nowMs: () => number;
  private openapi: OpenApiService | undefined;
  private readonly clusterIps: ClusterIpAllocator;
  private namespaces!: ResourceStore;
  private started = false;

  constructor(private readonly opts: ApiServerOptions) {
    this.nowMs = opts.nowMs ?? Date.now;
    this.discovery = new Discovery(() => this.resources());
    this.clusterIps = new ClusterIpAllocator(opts.serviceCidr ?? '10.96.0.0/12');
    for (const strategy of opts.strategies) this.install(strategy);
    this.openapi = opts.openapi?.(this.resources());
  }

  private install(strategy: KindStrategy): ResourceStore {
    const info = strategy.info;
    const prefix = resourcePrefix(info);
    let shared = this.caches.get(prefix);
    if (!shared) {
      shared = { cache: new WatchCache(this.opts.store, prefix), users: 0 };
      this.caches.set(prefix, shared);
    }
    const key = this.resourceKey(info.group, info.version, info.plural);
    const replaced = this.registries.get(key);
    if (!replaced) shared.users += 1;
    const registry: ResourceStore = new ResourceStore(strategy, {
      store: this.opts.store,
      nowMs: this.nowMs,
      formatInvalid: this.opts.formatInvalid,
      checkNamespaceForCreate: (ns, name): Promise<void> => this.checkNamespaceForCreate(ns, name, registry),
      beforeCreate: (s, obj) => this.beforeCreate(s, obj),
      fieldSchema: this.opts.fieldSchema,
    }, shared.cache);
    this.registries.set(key, registry);
    this.handlers.set(key, new RestHandler(registry, { ...this.opts.rest, nowMs: this.nowMs, registryFor: (g, v, p) => this.registry(g, v, p) }));
    // A replaced resource keeps its place in discovery.
    const at = replaced ? this.strategies.indexOf(replaced.strategy) : -1;
    if (at >= 0) this.strategies[at] = strategy;
    else this.strategies.push(strategy);
    if (info.group === '' && info.kind === 'Namespace') this.namespaces = registry;
    return registry;
  }

  /**
   * Serves a resource from now on (a CRD version): its registry, watch cache
   * and handler, in discovery and OpenAPI. Replaces a resource of the same
   * group/version/plural (a CRD update).
   */
  async addResource(resource: DynamicResource): Promise<ResourceStore> {
    const { group, version, plural } = resource.strategy.info;
    const key = this.resourceKey(group, version, plural);
    const prefix = resourcePrefix(resource.strategy.info);
    if (this.started && !this.caches.has(prefix)) {
      // Filled before the handler is reachable, so the first list already sees every stored object.
      const cache = new WatchCache(this.opts.store, prefix);
      await cache.start();
      this.caches.set(prefix, { cache, users: 0 });
    }
    const registry = this.install(resource.strategy);
    if (resource.openApiSchemas) this.extraSchemas.set(key, resource.openApiSchemas);
    this.refreshOpenApi([groupVersionPath(group, version)]);
    return registry;
  }

  /** Stops serving a resource; its objects stay in the store. */
  removeResource(group: string, version: string, plural: string): void {
    const key = this.resourceKey(group, version, plural);
    if (!this.registries.has(key)) return;
    this.uninstall(key);
    this.refreshOpenApi([groupVersionPath(group, version)]);
  }

  private uninstall(key: string): void {
    const registry = this.registries.get(key)!;
    this.registries.delete(key);
    this.handlers.delete(key);
    this.extraSchemas.delete(key);
    const at = this.strategies.indexOf(registry.strategy);
    if (at >= 0) this.strategies.splice(at, 1);
    const prefix = resourcePrefix(registry.strategy.info);
    const shared = this.caches.get(prefix);
    if (shared && --shared.users === 0) {
      shared.cache.stop();
      this.caches.delete(prefix);
    }
  }

  private refreshOpenApi(changedGvPaths: string[]): void {
    if (!this.openapi) return;
    const schemas: Record<string, Schema> = {};
    for (const extra of this.extraSchemas.values()) Object.assign(schemas, extra);
    if (this.openapi.update) this.openapi.update(this.resources(), schemas, changedGvPaths);
    else this.openapi = this.opts.openapi?.(this.resources());
  }

  private resourceKey(group: string, version: string, plural: string): string {
    return `${group}/${version}/${plural}`;
  }

  resources(): ResourceInfo[] {
    return this.strategies.map((s) => s.info);
  }

  registry(group: string, version: string, plural: string): ResourceStore | undefined {
    return this.registries.get(this.resourceKey(group, version, plural));
  }

  async start(): Promise<void> {
    for (const shared of this.caches.values()) await shared.cache.start();
    this.started = true;
    for (const name of INITIAL_NAMESPACES) {
      if (!this.namespaces.cache.get(`${resourcePrefix(this.namespaces.strategy.info)}${name}`)) {
        try {
          await this.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { dryRun: false });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 409)) throw err;
        }
      }
    }
    await this.namespaces.cache.waitUntilFresh();
  }

  /**
   * The `kubernetes` Service and its Endpoints in `default`, pointing at this
   * server, as kube-apiserver's bootstrap controller keeps them.
   */
  async ensureKubernetesService(address: string, port: number): Promise<void> {
    const services = this.registry('', 'v1', 'services')!;
    const endpoints = this.registry('', 'v1', 'endpoints')!;
    const labels = { component: 'apiserver', provider: 'kubernetes' };
    const desiredService = {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels },
      spec: { type: 'ClusterIP', clusterIP: this.clusterIps.firstAddress(), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], sessionAffinity: 'None' },
    };
    const desiredEndpoints = {
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
    };
    await this.createOrUpdate(services, desiredService, (current) => ({ ...current, spec: { ...(current.spec as object), ports: desiredService.spec.ports } }));
    await this.createOrUpdate(endpoints, desiredEndpoints, (current) => ({ ...current, subsets: desiredEndpoints.subsets }));
  }

  private async createOrUpdate(registry: ResourceStore, desired: KubeObject, update: (current: KubeObject) => KubeObject): Promise<void> {
    const { namespace, name } = desired.metadata;
    try {
      await registry.get(namespace, name!);
      await registry.update(namespace, name!, update, { dryRun: false, subresource: '' });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
      await registry.create(namespace, desired, { dryRun: false });
    }
  }

  stop(): void {
    for (const shared of this.caches.values()) shared.cache.stop();
  }

  private async checkNamespaceForCreate(namespace: string, name: string, registry: ResourceStore): Promise<void> {
    const key = `${resourcePrefix(this.namespaces.strategy.info)}${namespace}`;
    let ns = this.namespaces.cache.get(key);
    if (!ns) {
      // The namespace may have been created a moment ago: read your writes before saying it isn't there.
      await this.namespaces.cache.waitUntilFresh();
      ns = this.namespaces.cache.get(key);
    }
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
      // As the NamespaceLifecycle admission plugin says it, with a NamespaceTerminating cause clients can key on.
      const err = forbidden(registry.gr, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
      err.details!.causes = [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }];
      throw err;
    }
  }

  private beforeCreate(strategy: KindStrategy, obj: KubeObject): void {
    if (strategy.info.group === '' && strategy.info.kind === 'Service') {
      const services = this.registry('', 'v1', 'services')!;
      this.clusterIps.assign(obj, services.cache.list(resourcePrefix(strategy.info)));
    }
  }

  /** Handles one HTTP request; never throws. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (err) {
      const apiErr = asApiError(err);
      if (apiErr.code >= 500) console.error(JSON.stringify({ level: 'error', msg: 'request failed', method: req.method, url: req.url, error: String((err as Error)?.stack ?? err) }));
      writeError(res, apiErr);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://k8ts.invalid');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (this.opts.authenticate && !PUBLIC_PATHS.has(path) && !this.opts.authenticate(req.headers.authorization)) {
      throw unauthorized();
    }
    if (path === '/version') return writeJson(res, 200, this.versionInfo());
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) return this.serveOpenApi(req, res, path);
    if (path === '/openapi/v2') return this.serveSwagger(req, res);
    const target = parseRequestPath(path);
    if (target.kind === 'discovery') return this.serveDiscovery(req, res, target, url);
    if (target.kind === 'resource') {
      const handler = this.handlers.get(this.resourceKey(target.group, target.version, target.resource));
      if (!handler) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', { });
      return handler.handle(req, res, target, url.searchParams);
    }
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  private versionInfo(): object {
    const v = this.opts.version;
    return {
      major: v.major,
      minor: v.minor,
      gitVersion: v.gitVersion,
      gitCommit: '',
      gitTreeState: 'clean',
      buildDate: '1970-01-01T00:00:00Z',
      goVersion: `node${process.versions.node}`,
      compiler: 'tsc',
      platform: `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    };
  }

  private serveDiscovery(req: IncomingMessage, res: ServerResponse, target: { root: 'api' | 'apis'; group?: string; version?: string }, url: URL): void {
    const shape = negotiate(req.headers.accept);
    if (target.group === undefined) {
      if (shape.as === 'APIGroupDiscoveryList') {
        writeJson(res, 200, this.discovery.aggregated(target.root), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
        return;
      }
      const doc = target.root === 'api' ? this.discovery.apiVersions(url.host) : this.discovery.apiGroupList();
      writeJson(res, 200, doc);
      return;
    }
    const doc = target.version === undefined
      ? this.discovery.apiGroupDocument(target.group)
      : this.discovery.apiResourceList(target.group, target.version);
    if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    writeJson(res, 200, doc);
  }

  private serveOpenApi(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (!this.openapi) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (path === '/openapi/v3') {
      writeJson(res, 200, this.openapi.index());
      return;
    }
    const doc = this.openapi.document(path.slice('/openapi/v3/'.length));
    if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    // Only a request naming the content hash may be cached forever, as kube-openapi's handler3 does.
    const cacheControl = new URL(req.url ?? '/', 'https://k8ts.invalid').searchParams.has('hash') ? 'public, immutable' : 'no-cache, private';
    writeOpenApiBody(req, res, doc, 'application/json', cacheControl);
  }

  /** GET /openapi/v2: gnostic protobuf for client-go's discovery, JSON for everyone else. */
  private serveSwagger(req: IncomingMessage, res: ServerResponse): void {
    if (!this.openapi?.swagger) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const protobuf = OPENAPI_V2_PROTOBUF_ACCEPT.test(req.headers.accept ?? '');
    const doc = this.openapi.swagger(protobuf ? 'protobuf' : 'json');
    writeOpenApiBody(req, res, doc, protobuf ? OPENAPI_V2_PROTOBUF : 'application/json', 'no-cache, private');
  }
}

/** client-go's media type, and the older spelling kube-openapi also accepts. */
const OPENAPI_V2_PROTOBUF_ACCEPT = /application\/com\.github\.proto-openapi\.spec\.v2[@.]v1\.0\+protobuf/;

function writeOpenApiBody(req: IncomingMessage, res: ServerResponse, doc: { body: Buffer; etag: string }, contentType: string, cacheControl: string): void {
  const etag = `"${doc.etag}"`;
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch === etag || ifNoneMatch === doc.etag) {
    res.writeHead(304, { ETag: etag });
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': doc.body.length, ETag: etag, 'Cache-Control': cacheControl });
  res.end(doc.body);
}
