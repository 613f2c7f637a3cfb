// Restarts, crashes and start-up errors of `k8ts server`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { request } from 'node:https';
import { adminToken, Kubectl, rawRequest, removeDir, run, startServer, tempDir, waitFor } from './harness.js';


/** Opens a raw watch and collects its events until closed. */
function openWatch(url: string, token: string, path: string): { events: any[]; status: Promise<number>; close(): void } {
  const events: any[] = [];
  let buffer = '';
  let req: ReturnType<typeof request>;
  const status = new Promise<number>((resolveStatus, reject) => {
    req = request(new URL(path, url), { rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      resolveStatus(res.statusCode ?? 0);
      res.on('data', (d: Buffer) => {
        buffer += d.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (err) => (events.length ? undefined : reject(err)));
    req.end();
  });
  return { events, status, close: () => req.destroy() };
}

describe('server lifecycle', () => {
  it('keeps every object across a restart, resourceVersions keep growing, and an old watch continues', async () => {
    const dataDir = tempDir();
    let server = await startServer({ dataDir });
    const k = new Kubectl(server.kubeconfig);
    try {
      await k.ok(['create', 'namespace', 'keep']);
      await k.ok(['create', 'configmap', 'a', '-n', 'keep', '--from-literal=v=1']);
      const rvAfterCreate = (await k.json(['get', 'cm', 'a', '-n', 'keep'])).metadata.resourceVersion;
      await k.ok(['patch', 'cm', 'a', '-n', 'keep', '--type', 'merge', '-p', '{"data":{"v":"2"}}']);
      await k.ok(['create', 'deployment', 'd', '-n', 'keep', '--image=nginx']);
      const before = await k.json(['get', 'cm,deploy', '-n', 'keep']);
      assert.equal(await server.stop(), 0, 'SIGTERM should exit cleanly');

      server = await startServer({ dataDir });
      const k2 = new Kubectl(server.kubeconfig);
      const afterRestart = await k2.json(['get', 'cm,deploy', '-n', 'keep']);
      assert.deepEqual(afterRestart.items.map((i: any) => [i.kind, i.metadata.name, i.metadata.uid, i.metadata.resourceVersion]),
        before.items.map((i: any) => [i.kind, i.metadata.name, i.metadata.uid, i.metadata.resourceVersion]));
      await k2.ok(['create', 'configmap', 'b', '-n', 'keep']);
      const b = await k2.json(['get', 'cm', 'b', '-n', 'keep']);
      const maxBefore = Math.max(...before.items.map((i: any) => Number(i.metadata.resourceVersion)));
      assert.ok(Number(b.metadata.resourceVersion) > maxBefore, `rv ${b.metadata.resourceVersion} should exceed ${maxBefore}`);

      // A watch from a revision before the restart either continues (it sees the patch) or is told 410.
      const w = openWatch(server.url, adminToken(dataDir), `/api/v1/namespaces/keep/configmaps?watch=true&resourceVersion=${rvAfterCreate}`);
      const code = await w.status;
      if (code === 410) {
        assert.ok(true);
      } else {
        assert.equal(code, 200);
        await waitFor('replayed events', () => w.events.length >= 2);
        assert.equal(w.events[0].type, 'MODIFIED');
        assert.equal(w.events[0].object.data.v, '2');
        assert.equal(w.events[1].type, 'ADDED');
        assert.equal(w.events[1].object.metadata.name, 'b');
      }
      w.close();
      k2.cleanup();
    } finally {
      await server.stop();
      k.cleanup();
      removeDir(dataDir);
    }
  });

  it('loses no acknowledged create when killed with SIGKILL', async () => {
    const dataDir = tempDir();
    let server = await startServer({ dataDir });
    const token = adminToken(dataDir);
    const acknowledged: string[] = [];
    try {
      let stop = false;
      const writer = (async () => {
        for (let i = 0; !stop; i++) {
          const name = `cm-${i}`;
          try {
            const res = await rawRequest(server, token, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } }), { 'Content-Type': 'application/json' });
            if (res.status === 201) acknowledged.push(name);
          } catch {
            return; // the server is gone
          }
        }
      })();
      await waitFor('some acknowledged creates', () => acknowledged.length >= 100);
      await server.kill();
      stop = true;
      await writer;
      server = await startServer({ dataDir });
      const list = await rawRequest(server, token, 'GET', '/api/v1/namespaces/default/configmaps');
      const present = new Set(JSON.parse(list.body).items.map((i: any) => i.metadata.name));
      const lost = acknowledged.filter((n) => !present.has(n));
      assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged creates were lost`);
    } finally {
      await server.stop();
      removeDir(dataDir);
    }
  });

  it('fails with a one-line error when the port is taken or the data dir is unusable', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = tempDir();
    try {
      const taken = await run(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), 'server', '--data-dir', dataDir, '--port', String(port)]);
      assert.notEqual(taken.code, 0);
      assert.equal(taken.stderr.trim().split('\n').length, 1, taken.stderr);
      assert.match(taken.stderr, /address already in use/);

      const notADir = join(dataDir, 'file');
      writeFileSync(notADir, 'x');
      const bad = await run(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), 'server', '--data-dir', notADir, '--port', '0']);
      assert.notEqual(bad.code, 0);
      assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
      assert.match(bad.stderr, /data dir .* is not usable/);
    } finally {
      blocker.close();
      removeDir(dataDir);
    }
  });
});
