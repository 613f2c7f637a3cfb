// kubectl cordon, uncordon and drain on simulated nodes, with a
// PodDisruptionBudget: its status, the eviction API's 429, and drain
// retrying a blocked eviction until the budget allows it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { KUBECTL, rawRequest, waitFor } from '../e2e/harness.js';
import { deploymentJson, nodeOf, podsOf, readyPods, startSimulatedCluster, type SimulatedCluster } from '../simulated/cluster.js';

function pdbJson(minAvailable: number | string): string {
  return JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: 'default' }, spec: { minAvailable, selector: { matchLabels: { app: 'db' } } } });
}

describe('cordon, drain and PodDisruptionBudgets', () => {
  let c: SimulatedCluster;
  before(async () => {
    c = await startSimulatedCluster({ nodes: 3 });
    await c.kubectl.ok(['apply', '-f', '-'], { input: deploymentJson('db', 3) });
    await c.kubectl.ok(['apply', '-f', '-'], { input: pdbJson(3) });
    await waitFor('3 ready db pods', async () => (await readyPods(c.server, 'db')).length === 3);
  });
  after(async () => {
    await c?.close();
  });

  it('keeps the PodDisruptionBudget status', async () => {
    const pdb = await waitFor('the budget status', async () => {
      const p = await c.kubectl.json(['get', 'pdb', 'db']);
      return p.status?.currentHealthy === 3 && p;
    });
    assert.equal(pdb.status.expectedPods, 3);
    assert.equal(pdb.status.desiredHealthy, 3);
    assert.equal(pdb.status.disruptionsAllowed, 0);
    assert.equal(pdb.status.observedGeneration, pdb.metadata.generation);
    const cond = pdb.status.conditions.find((x: any) => x.type === 'DisruptionAllowed');
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'InsufficientPods');
    assert.match(await c.kubectl.ok(['get', 'pdb', 'db']), /db\s+3\s+N\/A\s+0\s/);
  });

  it('refuses an eviction that would violate the budget with 429', async () => {
    const [pod] = await readyPods(c.server, 'db');
    const name = pod!.metadata.name!;
    const body = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });
    const res = await rawRequest(c.server, c.server.token, 'POST', `/api/v1/namespaces/default/pods/${name}/eviction`, body, { 'Content-Type': 'application/json' });
    assert.equal(res.status, 429, res.body);
    const status = JSON.parse(res.body);
    assert.equal(status.reason, 'TooManyRequests');
    assert.equal(status.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal(status.details.causes[0].reason, 'DisruptionBudget');
    assert.match(status.details.causes[0].message, /The disruption budget db needs 3 healthy pods and has 3 currently/);
    assert.ok((await podsOf(c.server, 'db')).some((p) => p.metadata.name === name && !p.metadata.deletionTimestamp));
    const resources = JSON.parse(await c.kubectl.ok(['get', '--raw', '/api/v1']));
    assert.deepEqual(resources.resources.find((r: any) => r.name === 'pods/eviction'), { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  });

  it('cordons and uncordons a node', async () => {
    const node = nodeOf((await readyPods(c.server, 'db'))[0]!)!;
    await c.kubectl.ok(['cordon', node]);
    assert.equal((await c.kubectl.json(['get', 'node', node])).spec.unschedulable, true);
    assert.match(await c.kubectl.ok(['get', 'node', node]), /Ready,SchedulingDisabled/);
    await c.kubectl.ok(['uncordon', node]);
    assert.equal((await c.kubectl.json(['get', 'node', node])).spec.unschedulable, undefined);
    assert.doesNotMatch(await c.kubectl.ok(['get', 'node', node]), /SchedulingDisabled/);
  });

  it('drains a node through the eviction API, retrying while the budget blocks it', async () => {
    const node = nodeOf((await readyPods(c.server, 'db'))[0]!)!;
    const onNode = (await podsOf(c.server, 'db')).filter((p) => nodeOf(p) === node).map((p) => p.metadata.name!);
    const drain = spawn(KUBECTL, ['--kubeconfig', c.server.kubeconfigPath, '--cache-dir', c.kubectl.cacheDir, 'drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s']);
    let output = '';
    drain.stdout.on('data', (d: Buffer) => (output += d.toString()));
    drain.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => drain.on('close', resolve));
    try {
      await waitFor('drain to hit the budget', () => output.includes('(will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.'), 20_000);
      assert.equal((await c.kubectl.json(['get', 'node', node])).spec.unschedulable, true, 'drain cordons first');
      assert.ok((await podsOf(c.server, 'db')).filter((p) => onNode.includes(p.metadata.name!)).every((p) => !p.metadata.deletionTimestamp), 'nothing evicted while blocked');
      await c.kubectl.ok(['apply', '-f', '-'], { input: pdbJson(2) });
      const code = await exited;
      assert.equal(code, 0, output);
    } finally {
      drain.kill();
    }
    assert.match(output, new RegExp(`pod/${onNode[0]} evicted`));
    assert.match(output, new RegExp(`node/${node} drained`));
    assert.deepEqual((await podsOf(c.server, 'db')).filter((p) => nodeOf(p) === node), []);
    const ready = await waitFor('3 ready db pods off the drained node', async () => {
      const r = await readyPods(c.server, 'db');
      return r.length === 3 && r;
    });
    assert.ok(ready.every((p) => nodeOf(p) !== node));
    const pdb = await waitFor('the budget to settle', async () => {
      const p = await c.kubectl.json(['get', 'pdb', 'db']);
      return p.status.currentHealthy === 3 && Object.keys(p.status.disruptedPods ?? {}).length === 0 && p;
    });
    assert.equal(pdb.status.disruptionsAllowed, 1);
    assert.equal(pdb.status.conditions.find((x: any) => x.type === 'DisruptionAllowed').reason, 'SufficientPods');
  });
});
