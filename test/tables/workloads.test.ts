import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellsOf, columnLayout, object } from './helpers.js';

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }], nodeSelector: { 'kubernetes.io/os': 'linux', disk: 'ssd' } },
};

describe('Deployment', () => {
  it('has NAME READY UP-TO-DATE AVAILABLE AGE and wide CONTAINERS IMAGES SELECTOR', () => {
    assert.deepEqual(columnLayout('apps', 'Deployment'), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
  });

  it('prints ready/desired and the selector as a label query', () => {
    const obj = object('Deployment', 'web', {
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }, { key: 'canary', operator: 'DoesNotExist' }] },
        template,
      },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    assert.deepEqual(cellsOf('apps', obj), ['web', '2/3', 3, 2, '3h', 'app,log', 'nginx:1.27,busybox', 'app=web,!canary,tier in (edge,front)']);
  });

  it('prints 0/1 for a new deployment without replicas and an empty selector as ""', () => {
    const obj = object('Deployment', 'new', { spec: { selector: {}, template: { spec: { containers: [] } } } });
    assert.deepEqual(cellsOf('apps', obj), ['new', '0/1', 0, 0, '3h', '', '', '']);
  });
});

describe('ReplicaSet', () => {
  it('prints DESIRED CURRENT READY as numbers', () => {
    assert.deepEqual(columnLayout('apps', 'ReplicaSet'), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*']);
    const obj = object('ReplicaSet', 'web-5d4f', {
      spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f' } }, template },
      status: { replicas: 2, readyReplicas: 1 },
    });
    assert.deepEqual(cellsOf('apps', obj), ['web-5d4f', 2, 2, 1, '3h', 'app,log', 'nginx:1.27,busybox', 'app=web,pod-template-hash=5d4f']);
    assert.equal(cellsOf('apps', object('ReplicaSet', 'x', { spec: { replicas: 0 } }))[7], '<none>');
  });
});

describe('StatefulSet', () => {
  it('prints READY and wide containers, without a selector', () => {
    assert.deepEqual(columnLayout('apps', 'StatefulSet'), ['Name', 'Ready', 'Age', 'Containers*', 'Images*']);
    const obj = object('StatefulSet', 'db', { spec: { replicas: 3, template }, status: { readyReplicas: 3 } });
    assert.deepEqual(cellsOf('apps', obj), ['db', '3/3', '3h', 'app,log', 'nginx:1.27,busybox']);
  });
});

describe('DaemonSet', () => {
  it('prints the scheduling counts and the node selector', () => {
    assert.deepEqual(columnLayout('apps', 'DaemonSet'), [
      'Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers*', 'Images*', 'Selector*',
    ]);
    const obj = object('DaemonSet', 'agent', {
      spec: { selector: { matchLabels: { app: 'agent' } }, template },
      status: { desiredNumberScheduled: 5, currentNumberScheduled: 5, numberReady: 4, updatedNumberScheduled: 3, numberAvailable: 4 },
    });
    assert.deepEqual(cellsOf('apps', obj), ['agent', 5, 5, 4, 3, 4, 'disk=ssd,kubernetes.io/os=linux', '3h', 'app,log', 'nginx:1.27,busybox', 'app=agent']);
    assert.equal(cellsOf('apps', object('DaemonSet', 'bare', { spec: {} }))[6], '<none>');
  });
});

describe('ControllerRevision', () => {
  it('prints the controlling owner as kind.group/name and the revision number', () => {
    assert.deepEqual(columnLayout('apps', 'ControllerRevision'), ['Name', 'Controller', 'Revision', 'Age']);
    const owners = [
      { apiVersion: 'v1', kind: 'Pod', name: 'not-controller', uid: '1' },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: '2', controller: true },
    ];
    assert.deepEqual(cellsOf('apps', object('ControllerRevision', 'db-7c9', { revision: 4 }, { ownerReferences: owners })), ['db-7c9', 'statefulset.apps/db', 4, '3h']);
    const coreOwner = [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: '3', controller: true }];
    assert.equal(cellsOf('apps', object('ControllerRevision', 'r', { revision: 1 }, { ownerReferences: coreOwner }))[1], 'pod/p');
    assert.equal(cellsOf('apps', object('ControllerRevision', 'orphan', { revision: 1 }))[1], '<none>');
  });
});
