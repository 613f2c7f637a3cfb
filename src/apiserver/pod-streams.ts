// pods/log, pods/exec and pods/attach: the API server forwards them to the
// agent of the pod's node. The agent's address and CA come from its Node
// (annotations the agent writes at registration), so the API server verifies
// the agent's certificate; it authenticates itself with the cluster token.
// exec and attach are WebSocket upgrades, relayed byte for byte, so whatever
// remotecommand protocol the agent and kubectl agree on passes through.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/types.js';
import { ApiError, badRequest, notFound } from './errors.js';

export const AGENT_ENDPOINT_ANNOTATION = 'k8ts.io/agent-endpoint';
export const AGENT_CA_ANNOTATION = 'k8ts.io/agent-ca';
export const POD_STREAM_SUBRESOURCES = new Set(['log', 'exec', 'attach']);

export interface PodStreamLookup {
  pod(namespace: string, name: string): Promise<KubeObject>;
  node(name: string): Promise<KubeObject>;
}

interface AgentTarget {
  url: URL;
  ca: string;
}

export class PodStreamProxy {
  constructor(
    private readonly lookup: PodStreamLookup,
    private readonly agentToken: string,
  ) {}

  private async target(namespace: string, podName: string, kind: 'containerLogs' | 'exec' | 'attach', container: string, query: URLSearchParams): Promise<AgentTarget> {
    const pod = await this.lookup.pod(namespace, podName);
    const nodeName = (pod.spec as { nodeName?: string }).nodeName;
    if (!nodeName) throw badRequest(`pod ${podName} does not have a host assigned`);
    const node = await this.lookup.node(nodeName).catch(() => {
      throw notFound({ group: '', resource: 'nodes' }, nodeName);
    });
    const endpoint = node.metadata.annotations?.[AGENT_ENDPOINT_ANNOTATION];
    const ca = node.metadata.annotations?.[AGENT_CA_ANNOTATION];
    if (!endpoint || !ca) throw new ApiError(503, 'ServiceUnavailable', `node ${nodeName} has no k8ts agent to stream from`);
    const spec = pod.spec as { containers: { name: string }[] };
    const name = container || (spec.containers.length === 1 ? spec.containers[0]!.name : '');
    if (!name) throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${spec.containers.map((c) => c.name).join(' ')}]`);
    const url = new URL(`/${kind}/${encodeURIComponent(namespace)}/${encodeURIComponent(podName)}/${encodeURIComponent(name)}`, endpoint);
    for (const [k, v] of query) if (k !== 'container') url.searchParams.append(k, v);
    return { url, ca };
  }

  /** GET pods/{name}/log */
  async serveLog(req: IncomingMessage, res: ServerResponse, namespace: string, podName: string, query: URLSearchParams): Promise<void> {
    const t = await this.target(namespace, podName, 'containerLogs', query.get('container') ?? '', query);
    await new Promise<void>((resolve, reject) => {
      const upstream = httpsRequest(t.url, { ca: t.ca, headers: { Authorization: `Bearer ${this.agentToken}` }, checkServerIdentity: () => undefined }, (up) => {
        if ((up.statusCode ?? 500) >= 400) {
          let body = '';
          up.on('data', (d: Buffer) => (body += d.toString()));
          up.on('end', () => reject(new ApiError(up.statusCode === 404 ? 404 : 400, up.statusCode === 404 ? 'NotFound' : 'BadRequest', body.trim() || `agent answered ${up.statusCode}`)));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
        up.pipe(res);
        up.on('end', resolve);
        up.on('error', resolve);
      });
      upstream.on('error', (e) => reject(new ApiError(502, 'BadGateway', `cannot reach the node agent: ${e.message}`)));
      req.on('close', () => upstream.destroy());
      upstream.end();
    });
  }

  /** Upgrade requests for pods/{name}/exec and pods/{name}/attach, relayed to the agent. */
  async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, podName: string, kind: 'exec' | 'attach', query: URLSearchParams): Promise<void> {
    const t = await this.target(namespace, podName, kind, query.get('container') ?? '', query);
    const upstream = tlsConnect({ host: t.url.hostname, port: Number(t.url.port), ca: t.ca, checkServerIdentity: () => undefined, servername: undefined });
    await new Promise<void>((resolve, reject) => {
      upstream.once('secureConnect', resolve);
      upstream.once('error', (e) => reject(new ApiError(502, 'BadGateway', `cannot reach the node agent: ${e.message}`)));
    });
    const skip = new Set(['authorization', 'host', 'content-length']);
    const headers = Object.entries(req.headers)
      .filter(([k]) => !skip.has(k))
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
    upstream.write(`GET ${t.url.pathname}${t.url.search} HTTP/1.1\r\nHost: ${t.url.host}\r\nAuthorization: Bearer ${this.agentToken}\r\n${headers.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
    const close = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', close);
    socket.on('error', close);
    upstream.on('close', close);
    socket.on('close', close);
  }
}

/** Writes an error as an HTTP response on a raw upgrade socket. */
export function rejectUpgrade(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason, code: err.code });
  socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const POD_STREAM_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(log|exec|attach)\/?$/;

/** Which pod stream a request path names, if any. */
export function podStreamTarget(rawUrl: string | undefined): { namespace: string; pod: string; sub: 'log' | 'exec' | 'attach'; query: URLSearchParams } | undefined {
  const url = new URL(rawUrl ?? '/', 'https://k8ts.invalid');
  const m = POD_STREAM_PATH.exec(url.pathname);
  if (!m) return undefined;
  return { namespace: decodeURIComponent(m[1]!), pod: decodeURIComponent(m[2]!), sub: m[3] as 'log' | 'exec' | 'attach', query: url.searchParams };
}

/**
 * The API server's entry points for pod streams: `request` takes pods/log
 * (returns false for anything else), `upgrade` takes exec and attach.
 */
export class PodStreamRoutes {
  constructor(
    private readonly proxy: PodStreamProxy,
    private readonly authenticate: (authorization: string | undefined) => boolean,
  ) {}

  request(req: IncomingMessage, res: ServerResponse): boolean {
    const t = podStreamTarget(req.url);
    if (!t || t.sub !== 'log' || req.method !== 'GET') return false;
    if (!this.authenticate(req.headers.authorization)) return false;
    void this.proxy.serveLog(req, res, t.namespace, t.pod, t.query).catch((err: unknown) => writeStatus(res, asStatusError(err)));
    return true;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const t = podStreamTarget(req.url);
    if (!t || t.sub === 'log') {
      rejectUpgrade(socket, new ApiError(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    if (!this.authenticate(req.headers.authorization)) {
      rejectUpgrade(socket, new ApiError(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    void this.proxy.serveUpgrade(req, socket, head, t.namespace, t.pod, t.sub, t.query).catch((err: unknown) => rejectUpgrade(socket, asStatusError(err)));
  }
}

function asStatusError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(500, 'InternalError', String((err as Error)?.message ?? err));
}

function writeStatus(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason, code: err.code });
  res.writeHead(err.code, { 'Content-Type': 'application/json' });
  res.end(body);
}
