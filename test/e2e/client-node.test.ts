// A real client library: @kubernetes/client-node's list+watch informer sees
// every change kubectl makes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { Kubectl, removeDir, startServer, waitFor, type ServerProcess } from './harness.js';

describe('@kubernetes/client-node informer', () => {
  let server: ServerProcess;
  let k: Kubectl;

  before(async () => {
    server = await startServer();
    k = new Kubectl(server.kubeconfig);
    await k.ok(['create', 'namespace', 'informed']);
  });

  after(async () => {
    await server?.stop();
    k?.cleanup();
    if (server) removeDir(server.dataDir);
  });

  it('sees adds, updates and deletes made by kubectl', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await k.ok(['create', 'configmap', 'before-start', '-n', 'informed', '--from-literal=a=1']);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/informed/configmaps', () => core.listNamespacedConfigMap({ namespace: 'informed' }));
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.data?.a}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    let informerError: unknown;
    informer.on('error', (err) => (informerError = err));
    await informer.start();
    try {
      await waitFor('initial list', () => seen.includes('add before-start'));
      await k.ok(['create', 'configmap', 'c1', '-n', 'informed', '--from-literal=a=1']);
      await waitFor('add', () => seen.includes('add c1'));
      await k.ok(['patch', 'configmap', 'c1', '-n', 'informed', '--type', 'merge', '-p', '{"data":{"a":"2"}}']);
      await waitFor('update', () => seen.includes('update c1 2'));
      await k.ok(['delete', 'configmap', 'c1', '-n', 'informed']);
      await waitFor('delete', () => seen.includes('delete c1'));
      assert.deepEqual(informer.list().map((o) => o.metadata?.name), ['before-start']);
      assert.equal(informerError, undefined);
    } finally {
      await informer.stop();
    }
  });
});
