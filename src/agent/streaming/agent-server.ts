// The agent's streaming endpoint, which the API server proxies pods/log,
// pods/exec and pods/attach to. HTTPS with the agent's own certificate
// (published on the Node for the API server to pin) and the cluster token
// required from the caller, so each side authenticates the other.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KubeObject } from '../../api/types.js';
import type { ContainerRecord, ContainerRuntime } from '../runtime/container-runtime.js';
import { streamLog } from './log-reader.js';
import { CHANNEL, chooseProtocol, errorStatus, exitStatus, frame } from './channel-protocol.js';
import { renderRecord } from './log-reader.js';
import { TtyResizer } from './tty-resize.js';
import { readPidFile, ttyHolderPidPath } from '../runtime/container-launcher.js';

export interface AgentStreamServerOptions {
  token: string;
  certPem: string;
  keyPem: string;
  runtime: ContainerRuntime;
  findPod(namespace: string, name: string): KubeObject | undefined;
}

class HttpError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export class AgentStreamServer {
  private readonly https: Server;
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => chooseProtocol([...protocols].join(',')) ?? false });
  port = 0;

  constructor(private readonly opts: AgentStreamServerOptions) {
    this.https = createServer({ cert: opts.certPem, key: opts.keyPem }, (req, res) => void this.handle(req, res));
    this.https.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.https.once('error', reject);
      this.https.listen(port, host, () => resolve());
    });
    this.port = (this.https.address() as AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => {
      this.https.close(() => resolve());
      this.https.closeAllConnections();
    });
  }

  private authorized(req: IncomingMessage): boolean {
    const given = Buffer.from(req.headers.authorization ?? '');
    const want = Buffer.from(`Bearer ${this.opts.token}`);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  /** /{kind}/{namespace}/{pod}/{container} → the container's record. */
  private resolve(url: URL, previous: boolean): { pod: KubeObject; record: ContainerRecord; kind: string } {
    const [, kind, ns, podName, container] = url.pathname.split('/');
    if (!kind || !ns || !podName) throw new HttpError(404, 'not found');
    const pod = this.opts.findPod(ns, podName);
    if (!pod) throw new HttpError(404, `pods "${podName}" not found`);
    const spec = pod.spec as { containers: { name: string }[]; initContainers?: { name: string }[] };
    const name = container || (spec.containers.length === 1 ? spec.containers[0]!.name : '');
    if (!name) throw new HttpError(400, `a container name must be specified for pod ${podName}, choose one of: [${spec.containers.map((c) => c.name).join(' ')}]`);
    const all = this.opts.runtime.containersOf(pod.metadata.uid!).filter((r) => r.name === name);
    const latest = all.at(-1);
    const record = previous ? all.at(-2) : latest;
    if (!record) {
      if (previous) throw new HttpError(400, `previous terminated container "${name}" in pod "${podName}" not found`);
      throw new HttpError(400, `container "${name}" in pod "${podName}" is waiting to start: ContainerCreating`);
    }
    return { pod, record, kind };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.authorized(req)) throw new HttpError(401, 'Unauthorized');
      const url = new URL(req.url ?? '/', 'https://agent.invalid');
      const q = url.searchParams;
      const { record, kind } = this.resolve(url, q.get('previous') === 'true');
      if (kind !== 'containerLogs') throw new HttpError(404, 'not found');
      const sinceSeconds = q.get('sinceSeconds');
      const sinceTime = q.get('sinceTime');
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      const live = this.opts.runtime.exitOf(record) ? undefined : this.opts.runtime.logWriter(record.id);
      await streamLog(record.logPath, {
        follow: q.get('follow') === 'true',
        tailLines: q.has('tailLines') ? Number(q.get('tailLines')) : undefined,
        sinceMs: sinceSeconds ? Date.now() - Number(sinceSeconds) * 1000 : sinceTime ? Date.parse(sinceTime) : undefined,
        timestamps: q.get('timestamps') === 'true',
      }, live, { write: (t) => res.write(t), end: () => res.end(), onClose: (fn) => res.once('close', fn) });
    } catch (err) {
      const code = err instanceof HttpError ? err.code : 500;
      if (!res.headersSent) res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end((err as Error).message);
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const reject = (code: number, message: string) => {
      socket.end(`HTTP/1.1 ${code} ${code === 401 ? 'Unauthorized' : 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`);
    };
    let target: { record: ContainerRecord; kind: string };
    try {
      if (!this.authorized(req)) throw new HttpError(401, 'Unauthorized');
      target = this.resolve(new URL(req.url ?? '/', 'https://agent.invalid'), false);
      if (this.opts.runtime.exitOf(target.record)) throw new HttpError(400, `container ${target.record.name} is not running`);
      if (!chooseProtocol(req.headers['sec-websocket-protocol'])) throw new HttpError(400, 'no supported remotecommand protocol (want v5.channel.k8s.io or v4.channel.k8s.io)');
    } catch (err) {
      reject(err instanceof HttpError ? err.code : 500, (err as Error).message);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const q = new URL(req.url ?? '/', 'https://agent.invalid').searchParams;
      if (target.kind === 'exec') this.exec(ws, target.record, q);
      else if (target.kind === 'attach') this.attach(ws, target.record, q);
      else ws.close(1008, 'unknown stream');
    });
  }

  private exec(ws: WebSocket, record: ContainerRecord, q: URLSearchParams): void {
    const command = q.getAll('command');
    const tty = q.get('tty') === 'true';
    const child = this.opts.runtime.runc.exec(record.id, command, { tty });
    const send = (channel: number, data: Buffer | string) => {
      if (ws.readyState === ws.OPEN) ws.send(frame(channel, data));
    };
    child.stdout!.on('data', (d: Buffer) => send(CHANNEL.stdout, d));
    child.stderr!.on('data', (d: Buffer) => send(tty ? CHANNEL.stdout : CHANNEL.stderr, d));
    child.stdin!.on('error', () => undefined);
    const resizer = tty && child.pid ? new TtyResizer(child.pid) : undefined;
    ws.on('message', (data: Buffer) => {
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === CHANNEL.stdin) child.stdin!.write(body);
      else if (channel === CHANNEL.close && body[0] === CHANNEL.stdin) child.stdin!.end();
      else if (channel === CHANNEL.resize && resizer) {
        resizeFrom(resizer, body);
      }
    });
    ws.on('close', () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('error', (e) => {
      send(CHANNEL.error, errorStatus(e.message));
      ws.close(1000);
    });
    child.on('close', (code) => {
      send(CHANNEL.error, exitStatus(code ?? 1));
      ws.close(1000);
    });
  }

  /**
   * Attach streams the running container's output live and, when asked and
   * the container has `stdin: true`, feeds the session's stdin to it. As the
   * kubelet does, the session ends with a Success status whatever the
   * container's exit code.
   */
  private attach(ws: WebSocket, record: ContainerRecord, q: URLSearchParams): void {
    const runtime = this.opts.runtime;
    const writer = runtime.logWriter(record.id);
    if (!writer) {
      ws.send(frame(CHANNEL.error, errorStatus('container output is not available')));
      ws.close(1000);
      return;
    }
    const wantStdout = q.get('stdout') !== 'false';
    const wantStderr = q.get('stderr') !== 'false';
    const stdin = q.get('stdin') === 'true' ? runtime.openStdin(record) : undefined;
    let stdinOpen = !!stdin;
    // The session's stdin ends (kubectl's stdin hit EOF, or the session went):
    // for a stdinOnce container that closes the container's stdin for good.
    const endStdin = () => {
      if (!stdinOpen) return;
      stdinOpen = false;
      stdin!.end();
      runtime.closeStdin(record);
    };
    // A tty container's terminal is resized as kubectl's is (its holder's pid is known once it runs).
    const ttyHolder = q.get('tty') === 'true' && record.tty ? readPidFile(ttyHolderPidPath(record.bundleDir)) : undefined;
    const resizer = ttyHolder ? new TtyResizer(ttyHolder) : undefined;
    const stop = writer.subscribe((r) => {
      if (ws.readyState !== ws.OPEN || (r.stream === 'stdout' ? !wantStdout : !wantStderr)) return;
      ws.send(frame(r.stream === 'stdout' ? CHANNEL.stdout : CHANNEL.stderr, renderRecord(r, false)));
    });
    ws.on('message', (data: Buffer) => {
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === CHANNEL.stdin && stdinOpen && body.length) stdin!.write(body);
      else if (channel === CHANNEL.close && body[0] === CHANNEL.stdin) endStdin();
      else if (channel === CHANNEL.resize && resizer) resizeFrom(resizer, body);
    });
    ws.on('close', () => {
      stop();
      endStdin();
    });
    void writer.whenFinished().then(() => {
      stop();
      if (ws.readyState === ws.OPEN) {
        ws.send(frame(CHANNEL.error, exitStatus(0)));
        ws.close(1000);
      }
    });
  }
}

/** A resize message (channel 4): {"Width": columns, "Height": rows}. */
function resizeFrom(resizer: TtyResizer, body: Buffer): void {
  try {
    const size = JSON.parse(body.toString()) as { Width: number; Height: number };
    resizer.resize(size.Width, size.Height);
  } catch {
    // A malformed resize is ignored, as the kubelet does.
  }
}
