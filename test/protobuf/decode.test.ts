// Decoding Kubernetes protobuf request bodies into Kubernetes' JSON: objects
// are encoded here with the generated schemas, wrapped like client-go wraps
// them, and must come back as the JSON kubectl would have sent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { protobufSchemaSource, protobufType } from '../../src/api/protobuf/schemas.js';
import { decodeKubernetesProtobuf, isKubernetesProtobuf, ProtobufDecodeError } from '../../src/apiserver/protobuf/decode.js';
import { ApiError } from '../../src/apiserver/errors.js';
import { messageToJson } from '../../src/apiserver/protobuf/to-json.js';
import { formatGoDuration } from '../../src/apiserver/protobuf/go-duration.js';
import { encodeMessage, encodeObject, envelope } from './encode.js';

const T_2026 = 1767323045; // 2026-01-02T03:04:05Z

function assertBadRequest(body: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeKubernetesProtobuf(body),
    (err: unknown) => err instanceof ProtobufDecodeError && err instanceof ApiError && err.code === 400 && err.reason === 'BadRequest' && pattern.test(err.message),
  );
}

describe('generated protobuf schemas', () => {
  it('record the kubectl binary they were extracted from', () => {
    const source = protobufSchemaSource();
    assert.match(source.kubectlVersion.gitVersion, /^v1\.32\./);
    assert.match(source.sha256, /^[0-9a-f]{64}$/);
    assert.ok(source.files.includes('k8s.io/api/apps/v1/generated.proto'));
    assert.ok(source.files.includes('k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto'));
  });

  it('hold the kinds kubectl creates', () => {
    for (const name of ['k8s.io.api.apps.v1.Deployment', 'k8s.io.api.core.v1.Secret', 'k8s.io.api.batch.v1.CronJob', 'k8s.io.api.policy.v1.Eviction', 'k8s.io.api.autoscaling.v1.Scale', 'k8s.io.api.networking.v1.Ingress']) {
      assert.ok(protobufType(name), name);
    }
  });
});

describe('isKubernetesProtobuf', () => {
  it('recognises the media type, with or without parameters', () => {
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isKubernetesProtobuf('Application/VND.Kubernetes.Protobuf; charset=binary'), true);
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf;stream=watch'), true);
    assert.equal(isKubernetesProtobuf('application/json'), false);
    assert.equal(isKubernetesProtobuf(undefined), false);
  });
});

describe('decodeKubernetesProtobuf', () => {
  it('decodes a Deployment: intstr, quantities, times, inlined structs, int64', () => {
    const body = encodeObject('apps/v1', 'Deployment', {
      metadata: {
        name: 'web', generateName: '', namespace: 'default', uid: '', resourceVersion: '', generation: 0,
        creationTimestamp: { seconds: T_2026 }, labels: { app: 'web' },
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: { seconds: T_2026 }, fieldsType: 'FieldsV1', fieldsV1: { Raw: Buffer.from('{"f:spec":{}}') } }],
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 0, intVal: 1 } } },
        template: {
          metadata: { labels: { app: 'web' }, creationTimestamp: {} },
          spec: {
            terminationGracePeriodSeconds: 30,
            hostNetwork: false,
            automountServiceAccountToken: false,
            securityContext: {},
            containers: [{
              name: 'nginx', image: 'nginx:1.27', workingDir: '', stdin: false,
              ports: [{ name: '', containerPort: 80, hostPort: 0, protocol: 'TCP' }],
              resources: { requests: { cpu: { string: '100m' }, memory: { string: '128Mi' } }, limits: {} },
              readinessProbe: { handler: { httpGet: { path: '/', port: { type: 1, strVal: 'http' } } }, periodSeconds: 5 },
            }],
            volumes: [{ name: 'config', volumeSource: { configMap: { localObjectReference: { name: 'web-config' }, defaultMode: 420 } } }],
          },
        },
      },
      status: {},
    });
    assert.deepEqual(decodeKubernetesProtobuf(body), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web', namespace: 'default', creationTimestamp: '2026-01-02T03:04:05Z', labels: { app: 'web' },
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }],
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 30,
            automountServiceAccountToken: false,
            securityContext: {},
            containers: [{
              name: 'nginx', image: 'nginx:1.27',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { requests: { cpu: '100m', memory: '128Mi' } },
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
            }],
            volumes: [{ name: 'config', configMap: { name: 'web-config', defaultMode: 420 } }],
          },
        },
      },
      status: {},
    });
  });

  it('keeps a pointer field that is explicitly zero', () => {
    const body = encodeObject('apps/v1', 'Deployment', { metadata: { name: 'idle' }, spec: { replicas: 0 } });
    assert.deepEqual(decodeKubernetesProtobuf(body).spec, { replicas: 0 });
  });

  it('decodes a Secret: bytes as base64, string maps as strings', () => {
    const body = encodeObject('v1', 'Secret', {
      metadata: { name: 's', namespace: 'default' },
      data: { a: Buffer.from('b'), bin: Uint8Array.of(0, 255, 1) },
      stringData: { c: 'd' },
      type: 'Opaque',
    });
    assert.deepEqual(decodeKubernetesProtobuf(body), {
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: 's', namespace: 'default' },
      data: { a: 'Yg==', bin: 'AP8B' },
      stringData: { c: 'd' },
      type: 'Opaque',
    });
  });

  it('decodes a Namespace and a ConfigMap with binaryData', () => {
    assert.deepEqual(decodeKubernetesProtobuf(encodeObject('v1', 'Namespace', { metadata: { name: 'team-a' }, spec: {}, status: { phase: '' } })), {
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' }, spec: {}, status: {},
    });
    const configMap = encodeObject('v1', 'ConfigMap', { metadata: { name: 'cm' }, data: { 'app.conf': 'x=1\n' }, binaryData: { blob: Buffer.from('hello') }, immutable: true });
    assert.deepEqual(decodeKubernetesProtobuf(configMap), {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' },
      data: { 'app.conf': 'x=1\n' }, binaryData: { blob: 'aGVsbG8=' }, immutable: true,
    });
  });

  it('writes Time with seconds and MicroTime with microseconds', () => {
    const body = encodeObject('coordination.k8s.io/v1', 'Lease', {
      metadata: { name: 'leader', deletionTimestamp: { seconds: T_2026, nanos: 999_000_000 } },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: { seconds: T_2026, nanos: 123_456_789 }, renewTime: { seconds: T_2026 } },
    });
    assert.deepEqual(decodeKubernetesProtobuf(body), {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: 'leader', deletionTimestamp: '2026-01-02T03:04:05Z' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2026-01-02T03:04:05.123456Z', renewTime: '2026-01-02T03:04:05.000000Z' },
    });
  });

  it('writes metav1.Duration as a Go duration string', () => {
    const type = protobufType('k8s.io.apimachinery.pkg.apis.meta.v1.Duration')!;
    const decoded = type.decode(encodeMessage('k8s.io.apimachinery.pkg.apis.meta.v1.Duration', { duration: 90_000_000_000 }));
    assert.equal(messageToJson(type, decoded as unknown as Record<string, unknown>, () => null), '1m30s');
  });

  it('parses runtime.RawExtension, JSON or nested protobuf', () => {
    const nested = encodeObject('v1', 'ConfigMap', { metadata: { name: 'inner' } });
    const body = encodeObject('apps/v1', 'ControllerRevision', { metadata: { name: 'rev' }, data: { raw: Buffer.from('{"spec":{"x":[1,2]}}') }, revision: 2 });
    assert.deepEqual(decodeKubernetesProtobuf(body), {
      apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'rev' }, data: { spec: { x: [1, 2] } }, revision: 2,
    });
    const wrapped = encodeObject('apps/v1', 'ControllerRevision', { metadata: { name: 'rev' }, data: { raw: nested } });
    assert.deepEqual(decodeKubernetesProtobuf(wrapped).data, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' } });
  });

  it('finds option kinds in meta/v1 and group-qualified kinds by their package', () => {
    const eviction = encodeObject('policy/v1', 'Eviction', { metadata: { name: 'p', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0, dryRun: ['All'] } });
    assert.deepEqual(decodeKubernetesProtobuf(eviction), {
      apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0, dryRun: ['All'] },
    });
    const options = encodeObject('v1', 'DeleteOptions', { propagationPolicy: 'Foreground' });
    assert.deepEqual(decodeKubernetesProtobuf(options), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground' });
    const role = encodeObject('rbac.authorization.k8s.io/v1', 'Role', { metadata: { name: 'r' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] });
    assert.deepEqual(decodeKubernetesProtobuf(role).rules, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]);
  });

  it('rejects malformed bodies with 400 BadRequest', () => {
    const deployment = encodeObject('apps/v1', 'Deployment', { metadata: { name: 'web' } });
    assertBadRequest(Buffer.from('{"kind":"Deployment"}'), /magic/);
    assertBadRequest(deployment.subarray(0, deployment.length - 3), /malformed|not a valid/);
    assertBadRequest(envelope('apps/v1', 'Deployment', Uint8Array.of(0x0a, 0x05, 0x01)), /not a valid apps\/v1 Deployment/);
    assertBadRequest(envelope('example.com/v1', 'Widget', new Uint8Array(0)), /no protobuf schema for kind "Widget"/);
    assertBadRequest(envelope('apps/v1', '', new Uint8Array(0)), /'Kind' is missing/);
    const badJson = encodeObject('apps/v1', 'ControllerRevision', { metadata: { name: 'rev' }, data: { raw: Buffer.from('{nope') } });
    assertBadRequest(badJson, /neither JSON nor Kubernetes protobuf/);
  });
});

describe('formatGoDuration', () => {
  it('matches Go time.Duration.String()', () => {
    const cases: Array<[bigint, string]> = [
      [0n, '0s'], [1n, '1ns'], [1_100n, '1.1µs'], [2_200_000n, '2.2ms'], [1_000_000_000n, '1s'],
      [90_000_000_000n, '1m30s'], [3_600_000_000_000n, '1h0m0s'], [3_723_500_000_000n, '1h2m3.5s'],
      [-1_500_000_000n, '-1.5s'], [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
    ];
    for (const [nanos, text] of cases) assert.equal(formatGoDuration(nanos), text, String(nanos));
  });
});
