// The real kubectl 1.32 against a stub API server on 127.0.0.1: its typed
// clients POST Kubernetes protobuf, which must decode to the objects kubectl
// means. The stub answers only what kubectl asks before the POST (/version,
// for the gcloud dispatcher that picks a kubectl matching the server).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from '../../src/apiserver/protobuf/decode.js';

// The suite needs the real kubectl (CI installs it): no kubectl is a failure, not a skip.
const KUBECTL = ['/usr/lib/google-cloud-sdk/bin/kubectl.1.32', '/usr/bin/kubectl'].find((path) => existsSync(path)) ?? '/usr/bin/kubectl';
const run = promisify(execFile);

interface CapturedRequest {
  method: string;
  url: string;
  contentType: string;
  body: Buffer;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('kubectl 1.32 protobuf request bodies', () => {
  let server: Server;
  let home: string;
  const captured: CapturedRequest[] = [];

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'k8ts-kubectl-'));
    server = createServer((req, res) => {
      void readAll(req).then((body) => {
        captured.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
        res.setHeader('Content-Type', 'application/json');
        if (req.url?.startsWith('/version')) {
          res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' }));
        } else if (req.method === 'POST' && isKubernetesProtobuf(req.headers['content-type'])) {
          res.statusCode = 201; // echo what was created, as kube-apiserver does
          res.end(JSON.stringify(decodeKubernetesProtobuf(body)));
        } else {
          res.statusCode = 404;
          res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs kubectl and returns the protobuf object of the POST it made. */
  async function createdBy(...args: string[]): Promise<{ object: Record<string, unknown>; url: string; stdout: string }> {
    const { port } = server.address() as AddressInfo;
    captured.length = 0;
    const { stdout } = await run(KUBECTL!, ['--server', `http://127.0.0.1:${port}`, '--namespace', 'default', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: join(home, 'config') },
      timeout: 30_000,
    });
    const post = captured.find((req) => req.method === 'POST');
    assert.ok(post, `kubectl ${args.join(' ')} made no POST: ${captured.map((req) => `${req.method} ${req.url}`).join(', ')}`);
    assert.ok(isKubernetesProtobuf(post.contentType), `content type ${post.contentType}`);
    return { object: decodeKubernetesProtobuf(post.body), url: post.url, stdout };
  }

  it('create deployment', async () => {
    const { object, url, stdout } = await createdBy('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80');
    assert.match(url, /^\/apis\/apps\/v1\/namespaces\/default\/deployments\?/);
    assert.match(stdout, /deployment\.apps\/web created/);
    assert.deepEqual(object, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it('create secret generic', async () => {
    const { object, url } = await createdBy('create', 'secret', 'generic', 's', '--from-literal=a=b');
    assert.match(url, /^\/api\/v1\/namespaces\/default\/secrets\?/);
    assert.deepEqual(object, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { a: Buffer.from('b').toString('base64') } });
  });

  it('create configmap and namespace', async () => {
    const configMap = await createdBy('create', 'configmap', 'cm', '--from-literal=k=v');
    assert.deepEqual(configMap.object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, data: { k: 'v' } });
    const namespace = await createdBy('create', 'namespace', 'team-a');
    assert.deepEqual(namespace.object, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' }, spec: {}, status: {} });
  });
});
