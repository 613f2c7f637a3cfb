import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { ago, cellsOf, columnLayout, object } from './helpers.js';

const running = { running: { startedAt: ago({ h: 2 }) } };

function pod(status: Record<string, unknown>, spec: Record<string, unknown> = {}, metadata: KubeObject['metadata'] = {}): KubeObject {
  return object('Pod', 'web-0', { spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec }, status }, metadata);
}

/** READY, STATUS, RESTARTS of a pod. */
function summary(obj: KubeObject): unknown[] {
  return cellsOf('', obj).slice(1, 4);
}

describe('pod table', () => {
  it('has kubectl get pods columns, wide ones last', () => {
    assert.deepEqual(columnLayout('', 'Pod'), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP*', 'Node*', 'Nominated Node*', 'Readiness Gates*']);
  });

  it('prints a running pod with every cell', () => {
    const obj = pod(
      {
        phase: 'Running',
        podIP: '10.1.0.7',
        podIPs: [{ ip: '10.1.0.7' }, { ip: 'fd00::7' }],
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
      },
      { nodeName: 'node-a' },
    );
    assert.deepEqual(cellsOf('', obj), ['web-0', '1/1', 'Running', '0', '3h', '10.1.0.7', 'node-a', '<none>', '<none>']);
  });

  it('falls back to podIP and <none> for unscheduled pods', () => {
    const withPodIPOnly = pod({ phase: 'Running', podIP: '10.1.0.9' }, { nodeName: 'node-b' });
    assert.deepEqual(cellsOf('', withPodIPOnly).slice(5), ['10.1.0.9', 'node-b', '<none>', '<none>']);
    const pending = pod({ phase: 'Pending', nominatedNodeName: 'node-c' });
    assert.deepEqual(cellsOf('', pending).slice(5), ['<none>', '<none>', 'node-c', '<none>']);
  });

  it('counts satisfied readiness gates', () => {
    const obj = pod(
      { phase: 'Running', conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }] },
      { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }, { conditionType: 'example.com/x' }] },
    );
    assert.equal(cellsOf('', obj)[8], '1/3');
  });

  it('shows CrashLoopBackOff with restarts and when the last one happened', () => {
    const obj = pod({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago({ m: 5 }) } },
        },
      ],
    });
    assert.deepEqual(summary(obj), ['0/1', 'CrashLoopBackOff', '4 (5m ago)']);
  });

  it('takes the most recent termination across containers for the restart age', () => {
    const obj = pod(
      {
        phase: 'Running',
        containerStatuses: [
          { name: 'app', ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago({ h: 2 }) } } },
          { name: 'side', ready: true, restartCount: 2, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago({ s: 90 }) } } },
        ],
      },
      { containers: [{ name: 'app' }, { name: 'side' }] },
    );
    assert.deepEqual(summary(obj), ['2/2', 'Running', '3 (90s ago)']);
  });

  it('prints a bare restart count when no termination time is known', () => {
    const obj = pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: running }] });
    assert.deepEqual(summary(obj), ['1/1', 'Running', '2']);
  });

  it('shows ContainerCreating while the image is being set up', () => {
    const obj = pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    assert.deepEqual(summary(obj), ['0/1', 'ContainerCreating', '0']);
  });

  it('shows Pending for a pod without container statuses yet', () => {
    assert.deepEqual(summary(pod({ phase: 'Pending' })), ['0/1', 'Pending', '0']);
  });

  it('shows Completed for a succeeded pod', () => {
    const obj = pod({
      phase: 'Succeeded',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    });
    assert.deepEqual(summary(obj), ['0/1', 'Completed', '0']);
  });

  it('turns Completed back into Running or NotReady while another container runs', () => {
    const status = (ready: string) => ({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready }],
      containerStatuses: [
        { name: 'app', ready: true, restartCount: 0, state: running },
        { name: 'job', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      ],
    });
    const spec = { containers: [{ name: 'app' }, { name: 'job' }] };
    assert.deepEqual(summary(pod(status('True'), spec)), ['1/2', 'Running', '0']);
    assert.deepEqual(summary(pod(status('False'), spec)), ['1/2', 'NotReady', '0']);
  });

  it('reports a reasonless termination by exit code or signal', () => {
    const exited = pod({ phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 3 } } }] });
    assert.equal(summary(exited)[1], 'ExitCode:3');
    const killed = pod({ phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] });
    assert.equal(summary(killed)[1], 'Signal:9');
  });

  it('shows Init:0/2 while the first init container runs', () => {
    const obj = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'init-a', ready: false, restartCount: 0, state: running },
          { name: 'init-b', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
        ],
        containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
      { initContainers: [{ name: 'init-a' }, { name: 'init-b' }] },
    );
    assert.deepEqual(summary(obj), ['0/1', 'Init:0/2', '0']);
  });

  it('shows Init:1/2 once the first init container has succeeded', () => {
    const obj = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'init-a', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'init-b', restartCount: 0, state: running },
        ],
      },
      { initContainers: [{ name: 'init-a' }, { name: 'init-b' }] },
    );
    assert.equal(summary(obj)[1], 'Init:1/2');
  });

  it('shows Init:CrashLoopBackOff and counts init restarts while initialising', () => {
    const obj = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'init-a',
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, finishedAt: ago({ m: 2 }) } },
          },
        ],
        containerStatuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
      { initContainers: [{ name: 'init-a' }] },
    );
    assert.deepEqual(summary(obj), ['0/1', 'Init:CrashLoopBackOff', '3 (2m ago)']);
  });

  it('shows failed init containers by reason, exit code or signal', () => {
    const failed = (terminated: Record<string, unknown>) =>
      summary(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', restartCount: 0, state: { terminated } }] }, { initContainers: [{ name: 'i' }] }))[1];
    assert.equal(failed({ exitCode: 1, reason: 'Error' }), 'Init:Error');
    assert.equal(failed({ exitCode: 2 }), 'Init:ExitCode:2');
    assert.equal(failed({ exitCode: 143, signal: 15 }), 'Init:Signal:15');
  });

  it('counts a started sidecar init container as a ready container, not as initialising', () => {
    const obj = pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
        initContainerStatuses: [
          {
            name: 'proxy',
            ready: true,
            started: true,
            restartCount: 1,
            state: running,
            lastState: { terminated: { exitCode: 1, finishedAt: ago({ m: 7 }) } },
          },
        ],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
      },
      { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
    );
    assert.deepEqual(summary(obj), ['2/2', 'Running', '1 (7m ago)']);
  });

  it('keeps initialising while a sidecar init container has not started', () => {
    const obj = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'proxy', ready: false, started: false, restartCount: 0, state: running }],
        containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
      { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
    );
    assert.deepEqual(summary(obj), ['0/2', 'Init:0/1', '0']);
  });

  it('drops plain init container restarts once the pod is initialised', () => {
    const obj = pod(
      {
        phase: 'Running',
        initContainerStatuses: [{ name: 'init', restartCount: 5, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 1, state: running }],
      },
      { initContainers: [{ name: 'init' }] },
    );
    assert.deepEqual(summary(obj), ['1/1', 'Running', '1']);
  });

  it('shows Terminating for a pod being deleted, but not for a finished one', () => {
    const deleting = pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] }, {}, { deletionTimestamp: ago({ s: 10 }) });
    assert.equal(summary(deleting)[1], 'Terminating');
    const finished = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, {}, { deletionTimestamp: ago({ s: 10 }) });
    assert.equal(summary(finished)[1], 'Completed');
  });

  it('shows NodeLost from status.reason, and Unknown once such a pod is being deleted', () => {
    const lost = { phase: 'Running', reason: 'NodeLost' };
    assert.equal(summary(pod(lost))[1], 'NodeLost');
    assert.equal(summary(pod(lost, {}, { deletionTimestamp: ago({ s: 1 }) }))[1], 'Unknown');
  });

  it('shows status.reason such as Evicted over the phase', () => {
    assert.equal(summary(pod({ phase: 'Failed', reason: 'Evicted' }))[1], 'Evicted');
  });

  it('shows SchedulingGated for a pod held by scheduling gates', () => {
    const obj = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
    assert.equal(summary(obj)[1], 'SchedulingGated');
  });

  it('prints <unknown> age without a creation timestamp', () => {
    const obj = pod({ phase: 'Pending' }, {}, { creationTimestamp: undefined });
    assert.equal(cellsOf('', obj)[4], '<unknown>');
  });
});
