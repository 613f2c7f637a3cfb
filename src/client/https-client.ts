// The ApiClient over HTTPS, for components outside the server process (a
// remote `k8ts agent`): the verbs go through RestClient (bearer token, the
// cluster's CA, a deadline on the timing wheel per request); watches are
// long-lived chunked responses of JSON lines, read as they arrive.
//
// A watch ends with closed(err): an ERROR event carries the server's Status
// (410 Gone when the resourceVersion was compacted); a stream that simply
// ends (server timeout, restart, dropped connection) is reported as 410 as
// well, since the caller cannot know what it missed: relist.
import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../api/types.js';
import { TimingWheel } from '../time/timing-wheel.js';
import {
  ApiStatusError, RestClient, UnreachableError, resourcePath, type ApiStatus, type RestClientOptions,
} from './rest-client.js';
import type {
  ApiClient, ClientDeleteOptions, ClientListOptions, ClientPatchType, ClientSubresource, ClientWatchEventType, ClientWatchHandlers, ObjectList, ResourceRef,
} from './api-client.js';

export interface HttpsClientOptions extends RestClientOptions {
  /** Deadline for a watch's response headers. Default: the request timeout. */
  watchEstablishMs?: number;
  /** Asks the server to end each watch after this long (the caller then relists). Default 5-10 min, randomised as client-go does. */
  watchTimeoutSeconds?: number;
}

interface WireList {
  kind?: string;
  apiVersion?: string;
  items?: KubeObject[];
  metadata?: { resourceVersion?: string; continue?: string };
}

const WATCH_TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);

/** A watch that ended without an error from the server: the caller relists, as after 410 Gone. */
function watchEnded(message: string): ApiStatusError {
  return new ApiStatusError({ kind: 'Status', status: 'Failure', code: 410, reason: 'Expired', message }, 410);
}

export class HttpsClient implements ApiClient {
  readonly rest: RestClient;
  private readonly base: URL;
  private readonly watchAgent: Agent;
  private readonly wheel: TimingWheel;
  private readonly open = new Set<() => void>();

  constructor(private readonly options: HttpsClientOptions) {
    this.wheel = options.wheel ?? new TimingWheel();
    this.rest = new RestClient({ ...options, wheel: this.wheel });
    this.base = new URL(options.server);
    // Watches hold their connection for minutes: a pool of their own, so they never starve the verbs.
    this.watchAgent = new Agent({ keepAlive: false, ca: options.caPem, rejectUnauthorized: options.insecureSkipTlsVerify !== true });
  }

  /** Cancels every watch and closes idle connections. */
  close(): void {
    for (const cancel of [...this.open]) cancel();
    this.rest.close();
    this.watchAgent.destroy();
  }

  private path(ref: ResourceRef, namespace: string | undefined, name?: string, subresource?: string): string {
    return resourcePath({ ...ref, namespace, name, subresource: subresource || undefined });
  }

  async get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.rest.get<KubeObject>(this.path(ref, namespace, name));
  }

  async list(ref: ResourceRef, namespace: string | undefined, opts: ClientListOptions = {}): Promise<ObjectList> {
    const list = await this.rest.get<WireList>(this.path(ref, namespace), { query: listQuery(opts) });
    // Items in a JSON list carry no kind/apiVersion on the wire; the loopback client's do.
    const kind = list.kind?.replace(/List$/, '');
    const items = (list.items ?? []).map((item) => ({ ...item, kind: item.kind ?? kind, apiVersion: item.apiVersion ?? list.apiVersion }) as KubeObject);
    const out: ObjectList = { items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    if (list.metadata?.continue) out.continueToken = list.metadata.continue;
    return out;
  }

  async create(ref: ResourceRef, namespace: string | undefined, obj: KubeObject): Promise<KubeObject> {
    return this.rest.create<KubeObject>(this.path(ref, namespace), obj);
  }

  async update(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, subresource?: ClientSubresource): Promise<KubeObject> {
    const name = obj.metadata.name;
    if (!name) throw new Error('name is required for an update');
    return this.rest.update<KubeObject>(this.path(ref, namespace, name, subresource), obj);
  }

  async patch(ref: ResourceRef, namespace: string | undefined, name: string, type: ClientPatchType, patch: unknown, subresource?: ClientSubresource): Promise<KubeObject> {
    return this.rest.request<KubeObject>('PATCH', this.path(ref, namespace, name, subresource), patch, {}, type);
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, opts: ClientDeleteOptions = {}): Promise<void> {
    const body = Object.keys(opts).length > 0 ? { kind: 'DeleteOptions', apiVersion: 'v1', ...opts } : undefined;
    await this.rest.request('DELETE', this.path(ref, namespace, name), body);
  }

  async bindPod(namespace: string, name: string, nodeName: string): Promise<void> {
    await this.rest.create(this.path({ group: '', version: 'v1', resource: 'pods' }, namespace, name, 'binding'), {
      kind: 'Binding', apiVersion: 'v1', metadata: { name, namespace }, target: { kind: 'Node', apiVersion: 'v1', name: nodeName },
    });
  }

  async finalizeNamespace(name: string, finalizers: string[]): Promise<KubeObject> {
    const ref = { group: '', version: 'v1', resource: 'namespaces' };
    const ns = await this.get(ref, undefined, name);
    return this.rest.update<KubeObject>(this.path(ref, undefined, name, 'finalize'), { ...ns, spec: { ...(ns.spec as object), finalizers } });
  }

  watch(ref: ResourceRef, namespace: string | undefined, resourceVersion: string, opts: ClientListOptions, handlers: ClientWatchHandlers): Promise<() => void> {
    const url = new URL(this.path(ref, namespace), this.base);
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300);
    const query = { ...listQuery({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector }), watch: 'true', resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds };
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    const establishMs = this.options.watchEstablishMs ?? this.options.timeoutMs ?? 10_000;

    return new Promise((resolve, reject) => {
      let established = false;
      let ended = false;
      let res: IncomingMessage | undefined;
      // With an error: the watch failed or ended (closed(err), or reject before it was established).
      // Without: the caller cancelled it, and hears nothing more.
      const stop = (err?: Error) => {
        if (ended) return;
        ended = true;
        this.wheel.cancel(deadline);
        this.open.delete(cancel);
        req.destroy();
        res?.destroy();
        if (!err) return;
        if (established) handlers.closed(err);
        else reject(err);
      };
      const end = (err: Error) => stop(err);
      const cancel = () => stop();
      const deadline = this.wheel.schedule(establishMs, () => end(new UnreachableError(`watch ${url.pathname}: no answer within ${establishMs} ms`, 'TIMEOUT')));
      const req = request(url, { method: 'GET', headers, agent: this.watchAgent }, (response) => {
        res = response;
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (d: string) => (text += d));
          response.on('end', () => end(statusError(status, text)));
          response.on('error', (e) => end(e));
          return;
        }
        this.wheel.cancel(deadline);
        established = true;
        this.open.add(cancel);
        resolve(cancel);
        let buffered = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while (!ended && (nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line) this.deliver(line, handlers, end);
          }
        });
        response.on('end', () => end(watchEnded(`watch ${url.pathname} ended`)));
        response.on('aborted', () => end(watchEnded(`watch ${url.pathname}: connection lost`)));
        response.on('error', () => end(watchEnded(`watch ${url.pathname}: connection lost`)));
        response.on('close', () => end(watchEnded(`watch ${url.pathname}: connection closed`)));
      });
      req.on('error', (e) => end(established ? watchEnded(`watch ${url.pathname}: ${e.message}`) : transportError(e)));
      req.end();
    });
  }

  private deliver(line: string, handlers: ClientWatchHandlers, end: (err: Error) => void): void {
    let event: { type?: string; object?: KubeObject };
    try {
      event = JSON.parse(line) as { type?: string; object?: KubeObject };
    } catch {
      end(watchEnded(`watch: undecodable event ${JSON.stringify(line.slice(0, 100))}`));
      return;
    }
    if (event.type === 'ERROR') {
      const status = (event.object ?? {}) as ApiStatus;
      end(new ApiStatusError(status, status.code ?? 500));
      return;
    }
    if (!event.type || !WATCH_TYPES.has(event.type) || !event.object) return;
    handlers.event(event.type as ClientWatchEventType, event.object);
  }
}

function listQuery(opts: ClientListOptions): Record<string, string | number | undefined> {
  return { labelSelector: opts.labelSelector || undefined, fieldSelector: opts.fieldSelector || undefined, limit: opts.limit, continue: opts.continueToken };
}

function statusError(httpStatus: number, text: string): ApiStatusError {
  let status: ApiStatus | undefined;
  try {
    const json = JSON.parse(text) as ApiStatus;
    if (json?.kind === 'Status') status = json;
  } catch {
    // not a Status
  }
  return new ApiStatusError(status ?? { code: httpStatus, message: text.slice(0, 500) || `HTTP ${httpStatus}` }, httpStatus);
}

function transportError(error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  return code && /^E[A-Z]+$/.test(code) ? new UnreachableError(error.message, code) : error;
}
