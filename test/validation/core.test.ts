import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { defaultObject } from '../../src/api/defaults/index.js';
import { clone, createErrors, DNS1123_LABEL_MSG, stored, updateErrors } from './helpers.js';

function service(spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec } };
}

/** A Service as stored after the registry allocated its cluster IP. */
function allocated(spec: Record<string, unknown> = {}): KubeObject {
  return stored('', 'Service', service({ clusterIP: '10.96.0.10', ...spec }));
}

test('Service defaults', () => {
  const s = service({ ports: [{ port: 80 }, { name: 'b', port: 81, targetPort: 'http' }] });
  defaultObject('', 'Service', s);
  const spec = s.spec as any;
  assert.equal(spec.type, 'ClusterIP');
  assert.equal(spec.sessionAffinity, 'None');
  assert.deepEqual(spec.ports, [
    { port: 80, protocol: 'TCP', targetPort: 80 },
    { name: 'b', port: 81, targetPort: 'http', protocol: 'TCP' },
  ]);
  assert.equal(spec.internalTrafficPolicy, 'Cluster');
  assert.equal(spec.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(spec.ipFamilies, ['IPv4']);
  assert.equal(spec.externalTrafficPolicy, undefined);

  const lb = service({ type: 'LoadBalancer', sessionAffinity: 'ClientIP' });
  defaultObject('', 'Service', lb);
  assert.equal((lb.spec as any).externalTrafficPolicy, 'Cluster');
  assert.equal((lb.spec as any).allocateLoadBalancerNodePorts, true);
  assert.deepEqual((lb.spec as any).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
});

test('Service validation: ports, names, type', () => {
  assert.deepEqual(createErrors('', 'Service', service({ clusterIP: '10.96.0.10' })), []);
  assert.deepEqual(createErrors('', 'Service', service({ ports: [] })), ['spec.ports: Required value']);
  assert.deepEqual(createErrors('', 'Service', service({ clusterIP: 'None', ports: [] })), []);
  assert.deepEqual(createErrors('', 'Service', service({ ports: [{ port: 80 }, { name: 'a', port: 0 }, { name: 'a', port: 80, protocol: 'HTTP' }], type: 'Cluster' })), [
    'spec.ports[0].name: Required value',
    'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ports[2].name: Duplicate value: "a"',
    'spec.ports[2].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    'spec.type: Unsupported value: "Cluster": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ]);
  assert.deepEqual(createErrors('', 'Service', service({ selector: { 'bad key': 'v' } })).length, 1);
  const name = service();
  name.metadata.name = '1web';
  assert.match(createErrors('', 'Service', name)[0], /^metadata\.name: Invalid value: "1web": a DNS-1035 label must consist of/);
  assert.deepEqual(createErrors('', 'Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'db.example.com.' } }), []);
});

test('Service updates: the cluster IP never changes', () => {
  const old = allocated();
  const renamed = clone(old);
  (renamed.spec as any).ports[0].port = 8080;
  assert.deepEqual(updateErrors('', 'Service', renamed, old), []);
  const moved = clone(old);
  (moved.spec as any).clusterIP = '10.96.0.11';
  (moved.spec as any).clusterIPs = ['10.96.0.11'];
  assert.deepEqual(updateErrors('', 'Service', moved, old), ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']);
});

test('Namespace: defaults and a DNS-1123 label name', () => {
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
  defaultObject('', 'Namespace', ns);
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.deepEqual(createErrors('', 'Namespace', ns), []);
  assert.deepEqual(createErrors('', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Team_A' } }), [`metadata.name: Invalid value: "Team_A": ${DNS1123_LABEL_MSG}`]);
  assert.deepEqual(createErrors('', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', namespace: 'b' } }), ['metadata.namespace: Forbidden: not allowed on this type']);
});

test('ConfigMap: keys, duplicates across data and binaryData, size, immutability', () => {
  const cm = (data: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, ...data });
  assert.deepEqual(createErrors('', 'ConfigMap', cm({ data: { 'app.properties': 'a=b' } })), []);
  assert.deepEqual(createErrors('', 'ConfigMap', cm({ data: { 'bad/key': 'x', dup: 'y' }, binaryData: { dup: 'eQ==' } })), [
    "data[bad/key]: Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    'data[dup]: Invalid value: "dup": duplicate of key present in binaryData',
  ]);
  assert.deepEqual(createErrors('', 'ConfigMap', cm({ data: { big: 'x'.repeat(1024 * 1024 + 1) } })), [': Too long: may not be more than 1048576 bytes']);
  const old = stored('', 'ConfigMap', cm({ data: { a: '1' }, immutable: true }));
  const next = clone(old);
  next.data = { a: '2' };
  next.immutable = false;
  assert.deepEqual(updateErrors('', 'ConfigMap', next, old), ['immutable: Forbidden: field is immutable when `immutable` is set', 'data: Forbidden: field is immutable when `immutable` is set']);
});

test('Secret: type default, keys, typed requirements, immutability', () => {
  const secret = (extra: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, ...extra });
  const s = secret({ data: { password: 'aHVudGVyMg==' } });
  assert.deepEqual(createErrors('', 'Secret', s), []);
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(createErrors('', 'Secret', secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': 'YQ==' } })), ['data[tls.key]: Required value']);
  assert.deepEqual(createErrors('', 'Secret', secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('nope').toString('base64') } })).length, 1);
  assert.deepEqual(createErrors('', 'Secret', secret({ data: { 'a b': 'YQ==' } })).length, 1);
  const old = stored('', 'Secret', secret({ data: { a: 'YQ==' } }));
  const retyped = clone(old);
  retyped.type = 'kubernetes.io/basic-auth';
  retyped.data = { username: 'YQ==' };
  assert.deepEqual(updateErrors('', 'Secret', retyped, old), ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
  const frozen = stored('', 'Secret', secret({ data: { a: 'YQ==' }, immutable: true }));
  const changed = clone(frozen);
  changed.data = { a: 'Yg==' };
  assert.deepEqual(updateErrors('', 'Secret', changed, frozen), ['data: Forbidden: field is immutable when `immutable` is set']);
});

test('PersistentVolume and PersistentVolumeClaim', () => {
  const pv: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } };
  assert.deepEqual(createErrors('', 'PersistentVolume', pv), []);
  assert.equal((pv.spec as any).persistentVolumeReclaimPolicy, 'Retain');
  assert.equal((pv.spec as any).volumeMode, 'Filesystem');
  assert.deepEqual(createErrors('', 'PersistentVolume', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv2' }, spec: { hostPath: { path: '/d' } } }), [
    'spec.accessModes: Required value',
    'spec.capacity: Required value',
    'spec.capacity: Unsupported value: {}: supported values: "storage"',
  ]);
  const pvc: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
  assert.deepEqual(createErrors('', 'PersistentVolumeClaim', pvc), []);
  assert.deepEqual(pvc.status, { phase: 'Pending' });
  assert.deepEqual(createErrors('', 'PersistentVolumeClaim', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'd', namespace: 'default' }, spec: { accessModes: ['ReadWriteSometimes'] } }), [
    'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    'spec.resources[storage]: Required value',
  ]);
  const old = stored('', 'PersistentVolumeClaim', pvc);
  const grown = clone(old);
  (grown.spec as any).resources.requests.storage = '2Gi';
  const errs = updateErrors('', 'PersistentVolumeClaim', grown, old);
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims\n/);
  const bound = clone(old);
  bound.status = { phase: 'Bound' };
  const boundGrown = clone(bound);
  (boundGrown.spec as any).resources.requests.storage = '2Gi';
  assert.deepEqual(updateErrors('', 'PersistentVolumeClaim', boundGrown, bound), []);
});

test('Node, ServiceAccount, Endpoints and Event', () => {
  const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { taints: [{ key: 'a', effect: 'Sometimes' }] }, status: { capacity: { cpu: '4', pods: '1.5' } } };
  assert.deepEqual(createErrors('', 'Node', node), [
    'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    'status.capacity.pods: Invalid value: "1500m": must be an integer',
    // allocatable was defaulted from capacity, so it repeats the problem.
    'status.allocatable.pods: Invalid value: "1500m": must be an integer',
  ]);
  assert.deepEqual((node.status as any).allocatable, { cpu: '4', pods: '1500m' });
  assert.deepEqual(createErrors('', 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'ci' } }), []);
  const endpoints: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.1.2.3' }, { ip: '127.0.0.1' }, { ip: 'x' }], ports: [{ port: 80 }] }, {}] };
  assert.deepEqual(createErrors('', 'Endpoints', endpoints), [
    'subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    'subsets[0].addresses[2].ip: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    'subsets[0].addresses[2].ip: Invalid value: "x": must be a valid IP address',
    'subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`',
  ]);
  assert.equal((endpoints.subsets as any)[0].ports[0].protocol, 'TCP');
  const event: KubeObject = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' } };
  assert.deepEqual(createErrors('', 'Event', event), ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
});
