// The Job controller against a real k8ts server, with the test playing the
// kubelet and a ManualClock driving every timer (pod failure back-off,
// activeDeadlineSeconds, ttlSecondsAfterFinished).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES, isNotFound } from '../../src/client/api-client.js';
import { ManualClock } from '../../src/time/clock.js';
import { waitFor } from '../e2e/harness.js';
import { startControlPlane, type ControlPlane } from './harness.js';

const NS = 'default';
const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
const INDEX_KEY = 'batch.kubernetes.io/job-completion-index';

const clock = new ManualClock({ wallStartMs: Date.UTC(2024, 0, 1, 0, 0, 30) });
let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane({ clock });
});

after(async () => {
  await cp?.close();
});

interface JobStatus {
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  startTime?: string;
  completionTime?: string;
  completedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

async function createJob(name: string, spec: Record<string, unknown>): Promise<KubeObject> {
  return cp.client.create(RESOURCES.jobs, NS, {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36' }] } }, ...spec },
  });
}

async function jobStatus(name: string): Promise<JobStatus> {
  return ((await cp.client.get(RESOURCES.jobs, NS, name)).status ?? {}) as JobStatus;
}

function condition(status: JobStatus, type: string) {
  return status.conditions?.find((c) => c.type === type && c.status === 'True');
}

async function podsOf(job: string): Promise<KubeObject[]> {
  return (await cp.client.list(RESOURCES.pods, NS, { labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;
}

function phase(pod: KubeObject): string {
  return (pod.status as { phase?: string } | undefined)?.phase ?? 'Pending';
}

function isActive(pod: KubeObject): boolean {
  return !pod.metadata.deletionTimestamp && phase(pod) !== 'Succeeded' && phase(pod) !== 'Failed';
}

async function activePodsOf(job: string): Promise<KubeObject[]> {
  return (await podsOf(job)).filter(isActive);
}

/** Waits until the Job has exactly `count` active pods and its status agrees. */
async function settledActive(job: string, count: number): Promise<KubeObject[]> {
  return waitFor(`${job} to have ${count} active pods`, async () => {
    const pods = await activePodsOf(job);
    return pods.length === count && (await jobStatus(job)).active === count ? pods : undefined;
  });
}

async function eventReasons(name: string): Promise<string[]> {
  const { items } = await cp.client.list(RESOURCES.events, NS);
  return items.filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => e.reason as string);
}

/** Tracks, from every watch event, the most pods of a Job that were active at once. */
async function watchPeakActive(job: string): Promise<{ peak(): number; stop(): void }> {
  const { resourceVersion } = await cp.client.list(RESOURCES.pods, NS);
  const active = new Set<string>();
  let peak = 0;
  const stop = await cp.client.watch(RESOURCES.pods, NS, resourceVersion, { labelSelector: `batch.kubernetes.io/job-name=${job}` }, {
    event(type, pod) {
      if (type !== 'DELETED' && isActive(pod)) active.add(pod.metadata.uid!);
      else active.delete(pod.metadata.uid!);
      peak = Math.max(peak, active.size);
    },
    closed() {},
  });
  return { peak: () => peak, stop };
}

describe('Job controller', () => {
  it('runs completions 5 with parallelism 2, never more than 2 pods at once, and completes', async () => {
    const watch = await watchPeakActive('para');
    await createJob('para', { completions: 5, parallelism: 2 });
    let finished = 0;
    while (finished < 5) {
      const active = await settledActive('para', Math.min(2, 5 - finished));
      assert.ok((await activePodsOf('para')).length <= 2);
      for (const pod of active) assert.ok(pod.metadata.finalizers?.includes(TRACKING_FINALIZER), 'pods carry the tracking finalizer');
      await cp.kubelet.setRunning(active[0]);
      await cp.kubelet.setFinished(active[0], 0);
      finished++;
      await waitFor('the success to be counted', async () => (await jobStatus('para')).succeeded === finished);
    }
    await cp.kubectl.ok(['wait', '--for=condition=complete', 'job/para', '--timeout=20s']);
    watch.stop();
    assert.equal(watch.peak(), 2);

    const status = await jobStatus('para');
    assert.equal(status.succeeded, 5);
    assert.equal(status.failed ?? 0, 0);
    assert.equal(status.active, 0);
    assert.ok(status.completionTime && status.startTime);
    assert.equal(condition(status, 'SuccessCriteriaMet')?.reason, 'CompletionsReached');
    assert.equal(condition(status, 'Complete')?.reason, 'CompletionsReached');
    assert.deepEqual(status.uncountedTerminatedPods, {});
    const pods = await podsOf('para');
    assert.equal(pods.length, 5);
    for (const pod of pods) assert.ok(!pod.metadata.finalizers?.includes(TRACKING_FINALIZER), 'counted pods lose the finalizer');
    const reasons = await waitFor('events', async () => {
      const r = await eventReasons('para');
      return r.includes('Completed') ? r : undefined;
    });
    assert.ok(reasons.includes('SuccessfulCreate'));
  });

  it('stops at backoffLimit after backing off 10 s, then 20 s, between failures', async () => {
    await createJob('flaky', { backoffLimit: 2 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [pod] = await settledActive('flaky', 1);
      await cp.kubelet.setFinished(pod, 1);
      if (attempt === 3) break;
      // Counted, and not replaced before the back-off has passed.
      await waitFor(`failure ${attempt} counted`, async () => {
        const s = await jobStatus('flaky');
        return s.failed === attempt && s.active === 0;
      });
      assert.equal((await podsOf('flaky')).length, attempt);
      const backoffMs = 10_000 * 2 ** (attempt - 1);
      clock.advanceBy(backoffMs - 1000);
      assert.equal((await activePodsOf('flaky')).length, 0);
      clock.advanceBy(1000);
    }
    const status = await waitFor('Failed condition', async () => {
      const s = await jobStatus('flaky');
      return condition(s, 'Failed') ? s : undefined;
    });
    assert.equal(status.failed, 3);
    assert.equal(condition(status, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(condition(status, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
    assert.equal(condition(status, 'Complete'), undefined);
    assert.equal((await podsOf('flaky')).length, 3);
    await cp.kubectl.ok(['wait', '--for=condition=failed', 'job/flaky', '--timeout=10s']);
    await waitFor('BackoffLimitExceeded event', async () => (await eventReasons('flaky')).includes('BackoffLimitExceeded'));
  });

  it('counts a pod deleted while running as failed: the finalizer holds it until counted', async () => {
    await createJob('deleted', { backoffLimit: 0 });
    const [pod] = await settledActive('deleted', 1);
    await cp.client.delete(RESOURCES.pods, NS, pod.metadata.name!);
    const status = await waitFor('Failed condition', async () => {
      const s = await jobStatus('deleted');
      return condition(s, 'Failed') ? s : undefined;
    });
    assert.equal(status.failed, 1);
    await waitFor('the pod to be gone', async () => (await podsOf('deleted')).length === 0);
  });

  it('adopts a matching orphan pod and counts its success', async () => {
    const labels = { app: 'adopt-me' };
    const orphan = await cp.client.create(RESOURCES.pods, NS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'adopt-me', labels },
      spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36' }] },
    });
    await cp.kubelet.setFinished(orphan, 0);
    const job = await createJob('adopter', {
      manualSelector: true,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36' }] } },
    });
    await cp.kubectl.ok(['wait', '--for=condition=complete', 'job/adopter', '--timeout=20s']);
    assert.equal((await jobStatus('adopter')).succeeded, 1);
    const pods = (await cp.client.list(RESOURCES.pods, NS, { labelSelector: 'app=adopt-me' })).items;
    assert.equal(pods.length, 1, 'no pod was created: the adopted success was enough');
    assert.equal(pods[0].metadata.ownerReferences?.find((r) => r.controller)?.uid, job.metadata.uid);
    assert.ok(!pods[0].metadata.finalizers?.includes(TRACKING_FINALIZER));
  });

  it('gives each index of an Indexed Job exactly one success', async () => {
    await createJob('indexed', { completions: 3, parallelism: 3, completionMode: 'Indexed' });
    const pods = await settledActive('indexed', 3);
    const byIndex = new Map(pods.map((p) => [p.metadata.annotations?.[INDEX_KEY], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    for (const [index, pod] of byIndex) {
      assert.equal(pod.metadata.labels?.[INDEX_KEY], index);
      assert.equal((pod.spec as { hostname?: string }).hostname, `indexed-${index}`);
      assert.ok(pod.metadata.name!.startsWith(`indexed-${index}-`));
      const env = (pod.spec as { containers: { env?: { name: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }[] }[] }).containers[0].env ?? [];
      assert.equal(env.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath, `metadata.labels['${INDEX_KEY}']`);
    }
    await cp.kubelet.setFinished(byIndex.get('1')!, 1);
    await cp.kubelet.setFinished(byIndex.get('0')!, 0);
    await waitFor('index 0 recorded', async () => (await jobStatus('indexed')).completedIndexes === '0');
    clock.advanceBy(10_000);
    const retry = await waitFor('a new pod for index 1', async () =>
      (await activePodsOf('indexed')).find((p) => p.metadata.annotations?.[INDEX_KEY] === '1' && p.metadata.uid !== byIndex.get('1')!.metadata.uid));
    await cp.kubelet.setFinished(retry, 0);
    await cp.kubelet.setFinished(byIndex.get('2')!, 0);
    await cp.kubectl.ok(['wait', '--for=condition=complete', 'job/indexed', '--timeout=20s']);
    const status = await jobStatus('indexed');
    assert.equal(status.completedIndexes, '0-2');
    assert.equal(status.succeeded, 3);
    assert.equal(status.failed, 1);
    const successes = (await podsOf('indexed')).filter((p) => phase(p) === 'Succeeded').map((p) => p.metadata.annotations?.[INDEX_KEY]);
    assert.deepEqual(successes.sort(), ['0', '1', '2']);
  });

  it('fails a Job running longer than activeDeadlineSeconds and stops its pods', async () => {
    await createJob('deadline', { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 });
    const pods = await settledActive('deadline', 2);
    await cp.kubelet.setRunning(pods[0]);
    clock.advanceBy(29_000);
    assert.equal(condition(await jobStatus('deadline'), 'FailureTarget'), undefined);
    clock.advanceBy(1000);
    const status = await waitFor('Failed condition', async () => {
      const s = await jobStatus('deadline');
      return condition(s, 'Failed') ? s : undefined;
    });
    assert.equal(condition(status, 'Failed')?.reason, 'DeadlineExceeded');
    assert.equal(condition(status, 'Failed')?.message, 'Job was active longer than specified deadline');
    assert.equal(status.active, 0);
    assert.equal(status.failed, 2);
    await waitFor('the pods to be gone', async () => (await podsOf('deadline')).length === 0);
    await waitFor('DeadlineExceeded event', async () => (await eventReasons('deadline')).includes('DeadlineExceeded'));
  });

  it('deletes active pods while suspended and recreates them on resume', async () => {
    await createJob('pausable', { parallelism: 2, completions: 3 });
    await settledActive('pausable', 2);
    await cp.kubectl.ok(['patch', 'job/pausable', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    const suspended = await waitFor('Suspended condition', async () => {
      const s = await jobStatus('pausable');
      return condition(s, 'Suspended') && s.active === 0 ? s : undefined;
    });
    assert.equal(condition(suspended, 'Suspended')?.reason, 'JobSuspended');
    await waitFor('the pods to be gone', async () => (await podsOf('pausable')).length === 0);
    assert.equal(suspended.failed ?? 0, 0, 'pods deleted for suspension are not failures');

    await cp.kubectl.ok(['patch', 'job/pausable', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    const pods = await settledActive('pausable', 2);
    const resumed = await jobStatus('pausable');
    assert.equal(resumed.conditions?.find((c) => c.type === 'Suspended')?.status, 'False');
    assert.equal(resumed.conditions?.find((c) => c.type === 'Suspended')?.reason, 'JobResumed');
    for (const pod of pods) await cp.kubelet.setFinished(pod, 0);
    const [last] = await settledActive('pausable', 1);
    await cp.kubelet.setFinished(last, 0);
    await cp.kubectl.ok(['wait', '--for=condition=complete', 'job/pausable', '--timeout=20s']);
    const reasons = await eventReasons('pausable');
    for (const reason of ['Suspended', 'Resumed', 'SuccessfulDelete']) assert.ok(reasons.includes(reason), `event ${reason}`);
  });

  it('deletes a finished Job once ttlSecondsAfterFinished has passed', async () => {
    await createJob('shortlived', { ttlSecondsAfterFinished: 60 });
    const [pod] = await settledActive('shortlived', 1);
    await cp.kubelet.setFinished(pod, 0);
    await cp.kubectl.ok(['wait', '--for=condition=complete', 'job/shortlived', '--timeout=20s']);
    clock.advanceBy(59_000);
    await cp.client.get(RESOURCES.jobs, NS, 'shortlived');
    clock.advanceBy(1000);
    await waitFor('the Job to be deleted', async () => {
      try {
        await cp.client.get(RESOURCES.jobs, NS, 'shortlived');
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
    // Counted before the Job went, the pod holds no finalizer that would pin it.
    const left = await podsOf('shortlived');
    for (const p of left) assert.ok(!p.metadata.finalizers?.includes(TRACKING_FINALIZER));
  });
});
