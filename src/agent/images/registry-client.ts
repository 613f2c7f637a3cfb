// An OCI distribution (registry v2 HTTP API) client: manifests and blobs
// with token or basic auth. Registries on loopback, and those listed as
// insecure, are spoken to over plain HTTP, as Docker does.
import { Readable } from 'node:stream';
import { basicAuthorization, parseChallenge, type RegistryCredentials } from './registry-auth.js';
import { MANIFEST_ACCEPT } from './manifest.js';

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The registry's own error code (MANIFEST_UNKNOWN, UNAUTHORIZED, …) when it sent one. */
    readonly registryCode?: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface RegistryEndpoint {
  /** host[:port] to connect to. */
  host: string;
  insecure: boolean;
}

export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\./.test(name);
}

export function endpointFor(host: string, insecureRegistries: readonly string[] = []): RegistryEndpoint {
  return { host, insecure: isLoopbackHost(host) || insecureRegistries.includes(host) };
}

export interface FetchedManifest {
  body: Buffer;
  contentType: string;
  /** Docker-Content-Digest, when the registry sent it. */
  digest?: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class RegistryClient {
  private token: string | undefined;

  constructor(
    private readonly endpoint: RegistryEndpoint,
    private readonly repository: string,
    private readonly credentials?: RegistryCredentials,
  ) {}

  private url(path: string): string {
    return `${this.endpoint.insecure ? 'http' : 'https'}://${this.endpoint.host}/v2/${this.repository}/${path}`;
  }

  async manifest(reference: string): Promise<FetchedManifest> {
    const res = await this.request(this.url(`manifests/${reference}`), { Accept: MANIFEST_ACCEPT });
    const body = Buffer.from(await res.arrayBuffer());
    return { body, contentType: res.headers.get('content-type') ?? '', digest: res.headers.get('docker-content-digest') ?? undefined };
  }

  async blob(digest: string): Promise<Readable> {
    const res = await this.request(this.url(`blobs/${digest}`), {}, false);
    if (!res.body) throw new RegistryError(`registry sent no body for blob ${digest}`, res.status);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  /** GET with one retry after answering an auth challenge. */
  private async request(url: string, headers: Record<string, string>, timeout = true): Promise<Response> {
    let res = await this.send(url, headers, timeout);
    if (res.status === 401) {
      const challenge = parseChallenge(res.headers.get('www-authenticate'));
      await res.arrayBuffer().catch(() => undefined);
      if (challenge?.scheme === 'bearer') this.token = await this.fetchToken(challenge.params);
      else if (challenge?.scheme === 'basic' && !this.credentials) throw new RegistryError('registry requires credentials (no imagePullSecret for it)', 401, 'UNAUTHORIZED');
      res = await this.send(url, headers, timeout);
    }
    if (!res.ok) throw await this.errorFrom(res);
    return res;
  }

  private async send(url: string, headers: Record<string, string>, timeout: boolean): Promise<Response> {
    const auth = this.token ? `Bearer ${this.token}` : this.credentials ? basicAuthorization(this.credentials) : undefined;
    try {
      return await fetch(url, {
        headers: { ...headers, ...(auth ? { Authorization: auth } : {}) },
        redirect: 'follow',
        signal: timeout ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new RegistryError(`cannot reach registry ${this.endpoint.host}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, 0);
    }
  }

  private async fetchToken(params: Record<string, string>): Promise<string> {
    if (!params.realm) throw new RegistryError('registry bearer challenge has no realm', 401);
    const u = new URL(params.realm);
    if (params.service) u.searchParams.set('service', params.service);
    u.searchParams.set('scope', params.scope ?? `repository:${this.repository}:pull`);
    let res: Response;
    try {
      res = await fetch(u, {
        headers: this.credentials ? { Authorization: basicAuthorization(this.credentials) } : {},
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new RegistryError(`cannot reach token service ${u.host}: ${(err as Error).message}`, 0);
    }
    if (!res.ok) throw new RegistryError(`token service refused (${res.status}): ${(await res.text()).slice(0, 300)}`, res.status, 'UNAUTHORIZED');
    const doc = (await res.json()) as { token?: string; access_token?: string };
    const token = doc.token ?? doc.access_token;
    if (!token) throw new RegistryError('token service answered without a token', 401);
    return token;
  }

  /** The registry's own error message: {"errors":[{"code","message"}]}. */
  private async errorFrom(res: Response): Promise<RegistryError> {
    const text = await res.text().catch(() => '');
    try {
      const doc = JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
      const first = doc.errors?.[0];
      if (first) return new RegistryError(`${first.code ?? res.status}: ${first.message ?? ''}`.trim(), res.status, first.code);
    } catch {
      // Not JSON: fall through to the status line.
    }
    return new RegistryError(`registry answered ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`, res.status);
  }
}
