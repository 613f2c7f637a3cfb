// Patches shaped like the ones client-side `kubectl apply` computes with its
// three-way diff (last-applied vs new config vs live object): $setElementOrder
// for every merged list it touches, $retainKeys for retainKeys fields, nulls
// for fields dropped from the config, and the refreshed last-applied
// annotation. Applied to live objects that carry server defaults and
// server-side additions the patch must leave alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../src/apiserver/patch/strategic-merge-patch.js';
import { patchMetaFromOpenApiV3, type PatchMeta } from '../../src/apiserver/patch/patch-meta.js';
import { CONFIG_MAP, DEPLOYMENT, SERVICE, fixtureSchemas } from './openapi-fixture.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const metaFor = (name: string) => patchMetaFromOpenApiV3(fixtureSchemas, name) as PatchMeta;

test('kubectl apply: Deployment image bump, env change, new sidecar, Recreate strategy, replicas dropped', () => {
  const live = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web' },
      annotations: { [LAST_APPLIED]: '{"v":1}\n', 'deployment.kubernetes.io/revision': '1' },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.14',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
              resources: { limits: { cpu: '1' } },
              terminationMessagePath: '/dev/termination-log',
            },
            { name: 'istio-proxy', image: 'proxy:1' },
          ],
          dnsPolicy: 'ClusterFirst',
        },
      },
    },
  };
  const patch = {
    metadata: { annotations: { [LAST_APPLIED]: '{"v":2}\n' }, labels: { tier: 'front' } },
    spec: {
      replicas: null,
      strategy: { $retainKeys: ['type'], type: 'Recreate' },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              resources: null,
              '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
              env: [{ name: 'C', value: '3' }, { $patch: 'delete', name: 'B' }],
            },
            { name: 'sidecar', image: 'busybox:1.36' },
          ],
        },
      },
    },
  };

  const result = applyStrategicMergePatch(live, patch, metaFor(DEPLOYMENT));

  assert.deepEqual(result, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', tier: 'front' },
      annotations: { [LAST_APPLIED]: '{"v":2}\n', 'deployment.kubernetes.io/revision': '1' },
    },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'A', value: '1' }, { name: 'C', value: '3' }],
              terminationMessagePath: '/dev/termination-log',
            },
            { name: 'sidecar', image: 'busybox:1.36' },
            { name: 'istio-proxy', image: 'proxy:1' },
          ],
          dnsPolicy: 'ClusterFirst',
        },
      },
    },
  });
});

test('kubectl apply: Deployment back to RollingUpdate re-adds rollingUpdate through $retainKeys', () => {
  const live = { metadata: { name: 'web' }, spec: { strategy: { type: 'Recreate' } } };
  const patch = {
    spec: { strategy: { $retainKeys: ['rollingUpdate', 'type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
  };
  assert.deepEqual(applyStrategicMergePatch(live, patch, metaFor(DEPLOYMENT)).spec, {
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
  });
});

const liveService = () => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', annotations: { [LAST_APPLIED]: '{"v":1}\n' } },
  spec: {
    type: 'ClusterIP',
    clusterIP: '10.0.0.12',
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    sessionAffinity: 'None',
  },
});

test('kubectl apply: Service ports merge by port number, server-assigned fields survive', () => {
  const patch = {
    metadata: { annotations: { [LAST_APPLIED]: '{"v":2}\n' } },
    spec: {
      '$setElementOrder/ports': [{ port: 80 }, { port: 443 }],
      ports: [{ port: 80, targetPort: 9090 }, { name: 'https', port: 443, targetPort: 8443 }],
    },
  };
  const result = applyStrategicMergePatch(liveService(), patch, metaFor(SERVICE));
  assert.deepEqual(result.spec, {
    type: 'ClusterIP',
    clusterIP: '10.0.0.12',
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 8443 },
    ],
    sessionAffinity: 'None',
  });
  assert.deepEqual((result.metadata as { annotations: object }).annotations, { [LAST_APPLIED]: '{"v":2}\n' });
});

test('kubectl apply: Service port removed from the config is deleted by merge key', () => {
  const live = liveService();
  live.spec.ports.push({ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' });
  const patch = { spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ $patch: 'delete', port: 443 }] } };
  const result = applyStrategicMergePatch(live, patch, metaFor(SERVICE));
  assert.deepEqual((result.spec as { ports: unknown[] }).ports, [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
});

test('kubectl apply: ConfigMap data keys are set, changed and removed; the annotation is replaced', () => {
  const live = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', annotations: { [LAST_APPLIED]: '{"data":{"old":"1","changed":"1"}}\n', note: 'kept' } },
    data: { old: '1', changed: '1', 'added-by-someone-else': 'x' },
  };
  const patch = {
    data: { old: null, changed: '2', new: '3' },
    metadata: { annotations: { [LAST_APPLIED]: '{"data":{"changed":"2","new":"3"}}\n' } },
  };
  const result = applyStrategicMergePatch(live, patch, metaFor(CONFIG_MAP));
  assert.deepEqual(result, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', annotations: { [LAST_APPLIED]: '{"data":{"changed":"2","new":"3"}}\n', note: 'kept' } },
    data: { changed: '2', 'added-by-someone-else': 'x', new: '3' },
  });
});
