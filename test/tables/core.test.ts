import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ago, cellsOf, columnLayout, object } from './helpers.js';

describe('Namespace', () => {
  it('prints NAME STATUS AGE', () => {
    assert.deepEqual(columnLayout('', 'Namespace'), ['Name', 'Status', 'Age']);
    assert.deepEqual(cellsOf('', object('Namespace', 'team-a', { status: { phase: 'Terminating' } }, { creationTimestamp: ago({ d: 2, h: 3 }) })), ['team-a', 'Terminating', '2d3h']);
    assert.deepEqual(cellsOf('', object('Namespace', 'fresh', {}, { creationTimestamp: ago({ s: 90 }) })), ['fresh', 'Active', '90s']);
  });
});

describe('Node', () => {
  const node = (fields: Record<string, unknown>, labels: Record<string, string> = {}) =>
    object('Node', 'node-a', fields, { namespace: undefined, labels, creationTimestamp: ago({ d: 400 }) });

  it('prints status, roles, version and the wide system info', () => {
    assert.deepEqual(columnLayout('', 'Node'), [
      'Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*',
    ]);
    const obj = node(
      {
        spec: { unschedulable: true },
        status: {
          conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
          addresses: [{ type: 'Hostname', address: 'node-a' }, { type: 'InternalIP', address: '192.168.1.10' }, { type: 'InternalIP', address: '192.168.1.11' }],
          nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Ubuntu 24.04 LTS', kernelVersion: '6.8.0-31-generic', containerRuntimeVersion: 'containerd://1.7.12' },
        },
      },
      { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'infra', 'node-role.kubernetes.io/': 'x' },
    );
    assert.deepEqual(cellsOf('', obj), [
      'node-a', 'Ready,SchedulingDisabled', 'control-plane,infra,worker', '400d', 'v1.32.0',
      '192.168.1.10', '<none>', 'Ubuntu 24.04 LTS', '6.8.0-31-generic', 'containerd://1.7.12',
    ]);
  });

  it('prints NotReady, Unknown and placeholders for a bare node', () => {
    assert.deepEqual(cellsOf('', node({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })).slice(1, 3), ['NotReady', '<none>']);
    assert.deepEqual(cellsOf('', node({})), ['node-a', 'Unknown', '<none>', '400d', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});

describe('ConfigMap, Secret, ServiceAccount', () => {
  it('counts data and binaryData entries of a ConfigMap', () => {
    assert.deepEqual(columnLayout('', 'ConfigMap'), ['Name', 'Data', 'Age']);
    const obj = object('ConfigMap', 'settings', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, { creationTimestamp: ago({ m: 5 }) });
    assert.deepEqual(cellsOf('', obj), ['settings', 3, '5m']);
    assert.deepEqual(cellsOf('', object('ConfigMap', 'empty')), ['empty', 0, '3h']);
  });

  it('prints a Secret type and its key count, stringData keys included once', () => {
    assert.deepEqual(columnLayout('', 'Secret'), ['Name', 'Type', 'Data', 'Age']);
    const tls = object('Secret', 'tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' }, stringData: { 'tls.key': 'z', 'ca.crt': 'w' } });
    assert.deepEqual(cellsOf('', tls), ['tls', 'kubernetes.io/tls', 3, '3h']);
    assert.deepEqual(cellsOf('', object('Secret', 'plain')), ['plain', 'Opaque', 0, '3h']);
  });

  it('counts ServiceAccount secrets', () => {
    assert.deepEqual(columnLayout('', 'ServiceAccount'), ['Name', 'Secrets', 'Age']);
    assert.deepEqual(cellsOf('', object('ServiceAccount', 'default', { secrets: [{ name: 'a' }, { name: 'b' }] })), ['default', 2, '3h']);
    assert.deepEqual(cellsOf('', object('ServiceAccount', 'bare')), ['bare', 0, '3h']);
  });
});

describe('Event', () => {
  it('puts LAST SEEN first and the name last, as a wide column', () => {
    assert.deepEqual(columnLayout('', 'Event'), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
  });

  it('prints a classic core/v1 event', () => {
    const obj = object('Event', 'web-0.17a1', {
      type: 'Warning',
      reason: 'BackOff',
      message: '  Back-off restarting failed container app  \n',
      count: 12,
      firstTimestamp: ago({ h: 1 }),
      lastTimestamp: ago({ s: 30 }),
      involvedObject: { kind: 'Pod', name: 'web-0', fieldPath: 'spec.containers{app}' },
      source: { component: 'kubelet', host: 'node-a' },
    });
    assert.deepEqual(cellsOf('', obj), [
      '30s', 'Warning', 'BackOff', 'pod/web-0', 'spec.containers{app}', 'kubelet, node-a',
      'Back-off restarting failed container app', '60m', 12, 'web-0.17a1',
    ]);
  });

  it('uses eventTime, series and the reporting controller of newer events', () => {
    const obj = object('Event', 'ev', {
      type: 'Normal',
      reason: 'Scheduled',
      message: 'ok',
      eventTime: '2025-06-01T11:55:00.123456Z',
      series: { count: 4, lastObservedTime: '2025-06-01T11:59:00.000000Z' },
      involvedObject: { kind: 'Node' },
      reportingComponent: 'default-scheduler',
      reportingInstance: '',
    });
    assert.deepEqual(cellsOf('', obj), ['60s', 'Normal', 'Scheduled', 'node', '', 'default-scheduler', 'ok', '4m59s', 4, 'ev']);
  });

  it('shows a singleton event without timestamps as seen once, when unknown', () => {
    const obj = object('Event', 'ev', { involvedObject: { kind: 'Pod', name: 'p' } });
    const cells = cellsOf('', obj);
    assert.deepEqual([cells[0], cells[7], cells[8]], ['<unknown>', '<unknown>', 1]);
  });
});

describe('Lease', () => {
  it('prints the holder', () => {
    assert.deepEqual(columnLayout('coordination.k8s.io', 'Lease'), ['Name', 'Holder', 'Age']);
    assert.deepEqual(cellsOf('coordination.k8s.io', object('Lease', 'node-a', { spec: { holderIdentity: 'node-a' } })), ['node-a', 'node-a', '3h']);
    assert.deepEqual(cellsOf('coordination.k8s.io', object('Lease', 'free', { spec: {} })), ['free', '', '3h']);
  });
});
