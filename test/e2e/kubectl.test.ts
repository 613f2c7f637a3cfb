// The real kubectl against a real `k8ts server` process.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { KUBECTL, rawRequest, startKubectlSession, stopKubectlSession, tempDir, waitFor, type Kubectl, type ServerProcess } from './harness.js';

const APP = 'test/e2e/fixtures/app.yaml';

describe('kubectl against k8ts server', () => {
  let server: ServerProcess;
  let k: Kubectl;
  let token: string;
  const scratch = tempDir('k8ts-scratch-');

  before(async () => {
    ({ server, k, token } = await startKubectlSession());
  });

  after(() => stopKubectlSession({ server, k }, scratch));

  it('applies a multi-document file, then reports unchanged and configured', async () => {
    const first = await k.ok(['apply', '-f', APP]);
    for (const line of ['namespace/shop created', 'configmap/shop-config created', 'secret/shop-secret created', 'deployment.apps/web created', 'service/web created', 'job.batch/migrate created']) {
      assert.ok(first.includes(line), `missing "${line}" in:\n${first}`);
    }
    const again = await k.ok(['apply', '-f', APP]);
    assert.equal(again.match(/unchanged/g)?.length, 6, again);

    const changed = readFileSync(APP, 'utf8').replace('color: blue', 'color: green').replace('replicas: 2', 'replicas: 3');
    const changedPath = join(scratch, 'app-changed.yaml');
    writeFileSync(changedPath, changed);
    const third = await k.ok(['apply', '-f', changedPath]);
    assert.match(third, /configmap\/shop-config configured/);
    assert.match(third, /deployment\.apps\/web configured/);
    assert.match(third, /service\/web unchanged/);
    assert.equal(await k.ok(['get', 'cm', 'shop-config', '-n', 'shop', '-o', 'jsonpath={.data.color}']), 'green');
    const deploy = await k.json(['get', 'deployment', 'web', '-n', 'shop']);
    assert.equal(deploy.spec.replicas, 3);
    assert.equal(deploy.metadata.generation, 2);
    // Defaults Kubernetes applies to a Deployment.
    assert.equal(deploy.spec.strategy.rollingUpdate.maxSurge, '25%');
    assert.equal(deploy.spec.revisionHistoryLimit, 10);
    assert.equal(deploy.spec.progressDeadlineSeconds, 600);
    assert.equal(deploy.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    const secret = await k.json(['get', 'secret', 'shop-secret', '-n', 'shop']);
    assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cret');
  });

  it('prints the columns Kubernetes prints, wide, yaml, json, jsonpath, -A, -l, --show-labels and --sort-by', async () => {
    const table = await k.ok(['get', 'deployments', '-n', 'shop']);
    assert.match(table.split('\n')[0]!, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    assert.match(table, /^web\s+\d\/3\s+\d\s+\d\s+\d+s$/m);
    const wide = await k.ok(['get', 'deployments', '-n', 'shop', '-o', 'wide']);
    assert.match(wide.split('\n')[0]!, /CONTAINERS\s+IMAGES\s+SELECTOR$/);
    assert.match(wide, /nginx:1\.27\s+app=web/);
    const svc = await k.ok(['get', 'svc', 'web', '-n', 'shop']);
    assert.match(svc, /^web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s$/m);
    const yaml = await k.ok(['get', 'cm', 'shop-config', '-n', 'shop', '-o', 'yaml']);
    assert.match(yaml, /^kind: ConfigMap$/m);
    assert.match(yaml, /^ {2}greeting: hello$/m);
    assert.equal(await k.ok(['get', 'ns', 'shop', '-o', 'jsonpath={.status.phase}']), 'Active');
    const all = await k.ok(['get', 'configmaps', '-A']);
    assert.match(all.split('\n')[0]!, /^NAMESPACE\s+NAME\s+DATA\s+AGE$/);
    assert.match(all, /^shop\s+shop-config\s+2\s+/m);
    await k.ok(['create', 'configmap', 'zeta', '-n', 'shop', '--from-literal=a=1']);
    await k.ok(['create', 'configmap', 'alpha', '-n', 'shop', '--from-literal=a=1', '--from-literal=b=2', '--from-literal=c=3']);
    await k.ok(['label', 'cm', 'zeta', '-n', 'shop', 'kind=letter']);
    await k.ok(['label', 'cm', 'alpha', '-n', 'shop', 'kind=letter']);
    const labelled = await k.ok(['get', 'cm', '-n', 'shop', '-l', 'kind=letter', '-o', 'name']);
    assert.deepEqual(labelled.trim().split('\n'), ['configmap/alpha', 'configmap/zeta']);
    const notLabelled = await k.ok(['get', 'cm', '-n', 'shop', '-l', 'kind notin (letter)', '-o', 'name']);
    assert.ok(!notLabelled.includes('alpha') && notLabelled.includes('shop-config'), notLabelled);
    const shown = await k.ok(['get', 'cm', 'zeta', '-n', 'shop', '--show-labels']);
    assert.match(shown, /LABELS/);
    assert.match(shown, /kind=letter/);
    const sorted = await k.ok(['get', 'cm', '-n', 'shop', '-l', 'kind=letter', '--sort-by=.metadata.name', '-o', 'custom-columns=N:.metadata.name', '--no-headers']);
    assert.deepEqual(sorted.trim().split('\n'), ['alpha', 'zeta']);
  });

  it('watches ADDED, MODIFIED and DELETED from another client', async () => {
    const watcher = spawn(KUBECTL, ['--kubeconfig', server.kubeconfig, '--cache-dir', k.cacheDir, 'get', 'configmaps', '-n', 'shop', '-w', '--output-watch-events', '-l', 'watched=yes']);
    let out = '';
    watcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
    watcher.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // The watch continues from the list's resourceVersion, so nothing between list and watch is missed.
      await k.ok(['create', 'configmap', 'watched', '-n', 'shop', '--from-literal=x=1']);
      await k.ok(['label', 'cm', 'watched', '-n', 'shop', 'watched=yes']);
      await waitFor('ADDED', () => /ADDED\s+watched/.test(out));
      await k.ok(['patch', 'cm', 'watched', '-n', 'shop', '--type', 'merge', '-p', '{"data":{"x":"2"}}']);
      await waitFor('MODIFIED', () => /MODIFIED\s+watched/.test(out));
      await k.ok(['delete', 'cm', 'watched', '-n', 'shop']);
      await waitFor('DELETED', () => /DELETED\s+watched/.test(out));
    } finally {
      watcher.kill();
    }
  });

  it('describes an object with the events recorded about it', async () => {
    const deploy = await k.json(['get', 'deployment', 'web', '-n', 'shop']);
    const event = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: 'web.1', namespace: 'shop' },
      involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid: deploy.metadata.uid },
      reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-abc to 3', type: 'Normal',
      source: { component: 'deployment-controller' }, count: 1,
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    await k.ok(['create', '-f', '-'], { input: JSON.stringify(event) });
    const described = await k.ok(['describe', 'deployment', 'web', '-n', 'shop']);
    assert.match(described, /^Name:\s+web$/m);
    assert.match(described, /^Replicas:\s+3 desired/m);
    assert.match(described, /StrategyType:\s+RollingUpdate/);
    assert.match(described, /Normal\s+ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set web-abc to 3/);
  });

  it('labels, annotates, edits and patches with json, merge and strategic patches', async () => {
    await k.ok(['label', 'deployment', 'web', '-n', 'shop', 'stage=prod']);
    await k.ok(['annotate', 'deployment', 'web', '-n', 'shop', 'owner=team-a']);
    let d = await k.json(['get', 'deployment', 'web', '-n', 'shop']);
    assert.equal(d.metadata.labels.stage, 'prod');
    assert.equal(d.metadata.annotations.owner, 'team-a');
    await k.ok(['label', 'deployment', 'web', '-n', 'shop', 'stage-']);
    d = await k.json(['get', 'deployment', 'web', '-n', 'shop']);
    assert.equal(d.metadata.labels.stage, undefined);

    const editor = join(scratch, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/greeting: hello/greeting: edited/" "$1"\n');
    chmodSync(editor, 0o755);
    await k.ok(['edit', 'cm', 'shop-config', '-n', 'shop'], { env: { KUBE_EDITOR: editor } });
    assert.equal(await k.ok(['get', 'cm', 'shop-config', '-n', 'shop', '-o', 'jsonpath={.data.greeting}']), 'edited');

    await k.ok(['patch', 'cm', 'shop-config', '-n', 'shop', '--type', 'json', '-p', '[{"op":"add","path":"/data/extra","value":"x"}]']);
    await k.ok(['patch', 'cm', 'shop-config', '-n', 'shop', '--type', 'merge', '-p', '{"data":{"color":null}}']);
    const cm = await k.json(['get', 'cm', 'shop-config', '-n', 'shop']);
    assert.equal(cm.data.extra, 'x');
    assert.equal(cm.data.color, undefined);

    // A strategic merge patch merges containers by name instead of replacing the list.
    await k.ok(['patch', 'deployment', 'web', '-n', 'shop', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}']);
    d = await k.json(['get', 'deployment', 'web', '-n', 'shop']);
    assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string }) => c.name), ['sidecar', 'web']);
    await k.ok(['patch', 'deployment', 'web', '-n', 'shop', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}']);
    d = await k.json(['get', 'deployment', 'web', '-n', 'shop']);
    assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string }) => c.name), ['web']);
  });

  it('scales a deployment through the scale subresource', async () => {
    assert.match(await k.ok(['scale', 'deployment', 'web', '-n', 'shop', '--replicas=5']), /deployment\.apps\/web scaled/);
    assert.equal(await k.ok(['get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}']), '5');
  });

  it('creates configmaps, secrets, namespaces and deployments imperatively, and deletes them', async () => {
    await k.ok(['create', 'namespace', 'scratch']);
    await k.ok(['create', 'configmap', 'c1', '-n', 'scratch', '--from-literal=k=v']);
    await k.ok(['create', 'secret', 'generic', 's1', '-n', 'scratch', '--from-literal=pw=x']);
    assert.match(await k.ok(['create', 'deployment', 'd1', '-n', 'scratch', '--image=nginx', '--replicas=2']), /deployment\.apps\/d1 created/);
    const d = await k.json(['get', 'deployment', 'd1', '-n', 'scratch']);
    assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'Always');
    assert.match(await k.ok(['delete', 'configmap', 'c1', '-n', 'scratch']), /configmap "c1" deleted/);
    assert.match(await k.fails(['get', 'configmap', 'c1', '-n', 'scratch']), /configmaps "c1" not found/);
    assert.match(await k.ok(['delete', 'namespace', 'scratch']), /namespace "scratch" deleted/);
    assert.match(await k.fails(['get', 'namespace', 'scratch']), /namespaces "scratch" not found/);
    assert.match(await k.fails(['get', 'secret', 's1', '-n', 'scratch']), /not found/);
  });

  it('waits for a condition set through the status subresource, and for deletion', async () => {
    await k.ok(['create', 'configmap', 'doomed', '-n', 'shop']);
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Starting', lastTransitionTime: '2026-01-01T00:00:00Z' }] } };
    await k.ok(['create', '-f', '-'], { input: JSON.stringify(node) });
    assert.equal((await k.run(['wait', '--for=condition=Ready=True', 'node/n1', '--timeout=1s'])).code, 1, 'the node is not ready yet');
    const waiter = k.run(['wait', '--for=condition=Ready=True', 'node/n1', '--timeout=30s']);
    const patch = JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-01T00:00:01Z' }] } });
    const res = await rawRequest(server, token, 'PATCH', '/api/v1/nodes/n1/status', patch, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(res.status, 200, res.body);
    const waited = await waiter;
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stdout, /node\/n1 condition met/);

    const deleteWaiter = k.run(['wait', '--for=delete', 'configmap/doomed', '-n', 'shop', '--timeout=30s']);
    await k.ok(['delete', 'configmap', 'doomed', '-n', 'shop', '--wait=false']);
    const deleted = await deleteWaiter;
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  it('answers api-resources, api-versions, cluster-info and version', async () => {
    const resources = await k.ok(['api-resources']);
    assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(resources, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(resources, /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m);
    assert.match(resources, /^nodes\s+no\s+v1\s+false\s+Node$/m);
    const versions = await k.ok(['api-versions']);
    for (const gv of ['v1', 'apps/v1', 'batch/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'autoscaling/v2']) {
      assert.ok(versions.split('\n').includes(gv), `${gv} missing from:\n${versions}`);
    }
    assert.match(await k.ok(['cluster-info']), /Kubernetes control plane.* is running at .*https:\/\/127\.0\.0\.1:\d+/);
    const version = JSON.parse(await k.ok(['version', '-o', 'json']));
    assert.equal(version.serverVersion.major, '1');
    assert.equal(version.serverVersion.minor, '32');
    const shortNames = await k.ok(['get', 'deploy,svc,cm', '-n', 'shop', '-o', 'name']);
    assert.match(shortNames, /deployment\.apps\/web/);
    assert.match(shortNames, /service\/web/);
    const everything = await k.ok(['get', 'all', '-n', 'shop', '-o', 'name']);
    assert.match(everything, /service\/web/);
    assert.match(everything, /deployment\.apps\/web/);
    assert.match(everything, /job\.batch\/migrate/);
    assert.doesNotMatch(everything, /configmap/);
  });
});
