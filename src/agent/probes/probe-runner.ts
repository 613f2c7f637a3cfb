// One probe attempt: exec (in the container, through runc), httpGet (to the
// pod's IP) or tcpSocket, each bounded by timeoutSeconds.
import { connect } from 'node:net';
import { request } from 'node:http';
import type { ContainerSpec, ProbeSpec } from '../pods/pod-spec.js';
import type { Runc } from '../runtime/runc.js';

export type ProbeOutcome = { ok: boolean; message: string };

export interface ProbeTarget {
  containerId: string;
  podIp: string;
  container: ContainerSpec;
}

function resolvePort(port: number | string, c: ContainerSpec): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = c.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`port "${port}" is not a named port of the container`);
  return named.containerPort;
}

export async function runProbe(probe: ProbeSpec, target: ProbeTarget, runc: Runc): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.exec) return await execProbe(runc, target.containerId, probe.exec.command, timeoutMs);
    if (probe.httpGet) {
      const port = resolvePort(probe.httpGet.port, target.container);
      return await httpProbe(probe.httpGet.host ?? target.podIp, port, probe.httpGet.path ?? '/', probe.httpGet.httpHeaders ?? [], timeoutMs);
    }
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket.host ?? target.podIp, resolvePort(probe.tcpSocket.port, target.container), timeoutMs);
    return { ok: false, message: 'probe has no handler' };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

function execProbe(runc: Runc, id: string, command: string[], timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const child = runc.exec(id, command, { tty: false });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin!.end();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ ok: false, message: `command timed out after ${timeoutMs / 1000}s` });
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, message: code === 0 ? '' : `command ${JSON.stringify(command)} exited with ${code}: ${out.trim().slice(0, 200)}` });
    });
  });
}

function httpProbe(host: string, port: number, path: string, headers: { name: string; value: string }[], timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, headers: { 'User-Agent': 'kube-probe/1.32', ...Object.fromEntries(headers.map((h) => [h.name, h.value])) } }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve({ ok: code >= 200 && code < 400, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error(`Get "http://${host}:${port}${path}": context deadline exceeded`)));
    req.on('error', (e) => resolve({ ok: false, message: e.message }));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve({ ok: true, message: '' });
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    });
    sock.once('error', (e) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}
