// A minimal typed REST client for the Kubernetes API over HTTPS: JSON in and
// out, bearer token, the cluster's CA, a deadline on every request.
//
// Errors come back as two types a caller can act on:
// - ApiStatusError: the server answered with an error (its Status: code, reason, message);
// - UnreachableError: no answer at all (refused, reset, timed out, aborted),
//   where retrying later is the only sensible move.
import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { TimingWheel } from '../time/timing-wheel.js';
import { loadKubeconfig, type ClusterAccess } from './kubeconfig.js';

export interface RestClientOptions extends ClusterAccess {
  /** Deadline for each request, from sending to the whole answer. Default 10 s. */
  timeoutMs?: number;
  /** Runs the request deadlines. Default: one shared wheel on the real clock. */
  wheel?: TimingWheel;
  /** Accept any server certificate (kubectl's --insecure-skip-tls-verify). */
  insecureSkipTlsVerify?: boolean;
}

export interface RequestOptions {
  /** Overrides the client's timeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Query parameters. */
  query?: Record<string, string | number | boolean | undefined>;
}

export type PatchType = 'merge' | 'json' | 'strategic';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** The parts of a metav1.Status that callers branch on. */
export interface ApiStatus {
  kind?: 'Status';
  apiVersion?: string;
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ type?: string; message?: string; field?: string }> };
}

export class ApiStatusError extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(readonly status: ApiStatus, httpStatus: number) {
    super(status.message ?? `HTTP ${httpStatus}`);
    this.name = 'ApiStatusError';
    this.code = status.code ?? httpStatus;
    this.reason = status.reason ?? 'Unknown';
  }
}

/** The request got no answer: connection refused or reset, deadline passed, or aborted. */
export class UnreachableError extends Error {
  constructor(
    message: string,
    /** The system error code (ECONNREFUSED …), 'TIMEOUT' or 'ABORTED'. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/** Transport errors that mean "no answer, try again later"; anything else (a TLS trust failure …) is a real error. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

const DEFAULT_TIMEOUT_MS = 10_000;
let sharedWheel: TimingWheel | undefined;

export class RestClient {
  private readonly base: URL;
  private readonly agent: Agent;
  private readonly wheel: TimingWheel;
  private readonly timeoutMs: number;

  constructor(private readonly options: RestClientOptions) {
    this.base = new URL(options.server);
    // Keep-alive: a controller or an elector sends small requests often.
    this.agent = new Agent({ keepAlive: true, ca: options.caPem, rejectUnauthorized: options.insecureSkipTlsVerify !== true });
    this.wheel = options.wheel ?? (sharedWheel ??= new TimingWheel());
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  static fromKubeconfig(path: string, options: Omit<RestClientOptions, keyof ClusterAccess> = {}): RestClient {
    return new RestClient({ ...loadKubeconfig(path), ...options });
  }

  get<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, undefined, opts);
  }

  /** POST to a collection path. */
  create<T>(path: string, body: unknown, opts?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, body, opts);
  }

  /** PUT the whole object; metadata.resourceVersion makes it conditional (409 Conflict when stale). */
  update<T>(path: string, body: unknown, opts?: RequestOptions): Promise<T> {
    return this.request<T>('PUT', path, body, opts);
  }

  patch<T>(path: string, body: unknown, type: PatchType = 'merge', opts?: RequestOptions): Promise<T> {
    return this.request<T>('PATCH', path, body, opts, PATCH_CONTENT_TYPES[type]);
  }

  delete<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('DELETE', path, undefined, opts);
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}, contentType = 'application/json'): Promise<T> {
    const url = new URL(path, this.base);
    for (const [name, value] of Object.entries(opts.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { Accept: 'application/json' };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    if (payload) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = payload.length;
    }
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, value?: T) => {
        if (settled) return;
        settled = true;
        this.wheel.cancel(deadline);
        opts.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as T);
      };
      const req = request(url, { method, headers, agent: this.agent }, (res) => {
        readBody(res).then(
          (text) => {
            try {
              finish(undefined, parseAnswer<T>(res.statusCode ?? 0, text));
            } catch (error) {
              finish(error as Error);
            }
          },
          (error: Error) => finish(transportError(error)),
        );
      });
      // Destroying the request fails it with our error; the socket is not reused.
      const abandon = (error: UnreachableError) => {
        finish(error);
        req.destroy(error);
      };
      const deadline = this.wheel.schedule(timeoutMs, () =>
        abandon(new UnreachableError(`${method} ${url.pathname}: no answer within ${timeoutMs} ms`, 'TIMEOUT')),
      );
      const onAbort = () => abandon(new UnreachableError(`${method} ${url.pathname}: aborted`, 'ABORTED'));
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => finish(transportError(error)));
      req.end(payload);
    });
  }
}

/** The path of a resource collection, object or subresource. The core group is ''. */
export function resourcePath(ref: {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}): string {
  const parts = [ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`];
  if (ref.namespace) parts.push('namespaces', encodeURIComponent(ref.namespace));
  parts.push(ref.resource);
  if (ref.name) parts.push(encodeURIComponent(ref.name));
  if (ref.subresource) parts.push(ref.subresource);
  return parts.join('/');
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
  });
}

function parseAnswer<T>(statusCode: number, text: string): T {
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (statusCode >= 200 && statusCode < 300) return json as T;
  const status = json && typeof json === 'object' && (json as ApiStatus).kind === 'Status'
    ? (json as ApiStatus)
    : { code: statusCode, message: text.slice(0, 500) || `HTTP ${statusCode}` };
  throw new ApiStatusError(status, statusCode);
}

function transportError(error: Error): Error {
  if (error instanceof UnreachableError || error instanceof ApiStatusError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && UNREACHABLE_CODES.has(code)) return new UnreachableError(error.message, code);
  return error;
}
