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

export interface OpenApiService {
  index(): object;
  document(gvPath: string): { body: Buffer; etag: string } | undefined;
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
}

/** Paths anyone may read, as Kubernetes' system:public-info-viewer role allows. */
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);
export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class ApiServer {
  private readonly registries = new Map<string, ResourceStore>();
  private readonly handlers = new Map<string, RestHandler>();
  private readonly discovery: Discovery;
  private readonly nowMs: () => number;
  private openapi: OpenApiService | undefined;
  private readonly clusterIps: ClusterIpAllocator;
  private namespaces!: ResourceStore;

  constructor(private readonly opts: ApiServerOptions) {
    this.nowMs = opts.nowMs ?? Date.now;
    this.discovery = new Discovery(() => this.resources());
    this.clusterIps = new ClusterIpAllocator(opts.serviceCidr ?? '10.96.0.0/12');
    for (const strategy of opts.strategies) {
      const info = strategy.info;
      const cache = new WatchCache(opts.store, resourcePrefix(info));
      const registry = new ResourceStore(strategy, {
        store: opts.store,
        nowMs: this.nowMs,
        formatInvalid: opts.formatInvalid,
        checkNamespaceForCreate: (ns) => this.checkNamespaceForCreate(ns, registry),
        beforeCreate: (s, obj) => this.beforeCreate(s, obj),
      }, cache);
      const key = this.resourceKey(info.group, info.version, info.plural);
      this.registries.set(key, registry);
      this.handlers.set(key, new RestHandler(registry, { ...opts.rest, nowMs: this.nowMs }));
      if (info.group === '' && info.kind === 'Namespace') this.namespaces = registry;
    }
    this.openapi = opts.openapi?.(this.resources());
  }

  private resourceKey(group: string, version: string, plural: string): string {
    return `${group}/${version}/${plural}`;
  }

  resources(): ResourceInfo[] {
    return this.opts.strategies.map((s) => s.info);
  }

  registry(group: string, version: string, plural: string): ResourceStore | undefined {
    return this.registries.get(this.resourceKey(group, version, plural));
  }

  async start(): Promise<void> {
    for (const r of this.registries.values()) await r.cache.start();
    for (const name of INITIAL_NAMESPACES) {
      if (!this.namespaces.cache.get(`${resourcePrefix(this.namespaces.strategy.info)}${name}`)) {
        try {
          await this.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { dryRun: false });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 409)) throw err;
        }
      }
    }
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
    for (const r of this.registries.values()) r.cache.stop();
  }

  private checkNamespaceForCreate(namespace: string, registry: ResourceStore): void {
    const ns = this.namespaces.cache.get(`${resourcePrefix(this.namespaces.strategy.info)}${namespace}`);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
      throw forbidden(registry.gr, '', `unable to create new content in namespace ${namespace} because it is being terminated`);
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
    const etag = `"${doc.etag}"`;
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch === etag || ifNoneMatch === doc.etag) {
      res.writeHead(304, { ETag: etag });
      res.end();
      return;
    }
    // Only a request naming the content hash may be cached forever, as kube-openapi's handler3 does.
    const cacheControl = new URL(req.url ?? '/', 'https://k8ts.invalid').searchParams.has('hash') ? 'public, immutable' : 'no-cache, private';
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': doc.body.length, ETag: etag, 'Cache-Control': cacheControl });
    res.end(doc.body);
  }
}
