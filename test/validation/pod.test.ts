import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultObject } from '../../src/api/defaults/index.js';
import { clone, createErrors, pod, stored, updateErrors } from './helpers.js';

/** Errors for a Pod whose single container is `app` (image `x`) with the given fields. */
function containerErrors(fields: Record<string, unknown>): string[] {
  return createErrors('', 'Pod', pod({ containers: [{ name: 'app', image: 'x', ...fields }] }));
}

test('Pod defaults: spec, containers, probes, env and resources', () => {
  const p = pod({
    containers: [
      {
        name: 'app',
        image: 'registry.local:5000/team/app',
        ports: [{ containerPort: 8080 }],
        env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        readinessProbe: { httpGet: { port: 8080 } },
        resources: { limits: { cpu: '0.5', memory: '1024Mi' } },
      },
      { name: 'pinned', image: 'nginx:1.27' },
      { name: 'digest', image: 'nginx@sha256:abc' },
    ],
  });
  defaultObject('', 'Pod', p);
  const spec = p.spec as any;
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.preemptionPolicy, undefined);
  const [app, pinned, digest] = spec.containers;
  assert.equal(app.imagePullPolicy, 'Always', 'no tag means latest');
  assert.equal(pinned.imagePullPolicy, 'IfNotPresent');
  assert.equal(digest.imagePullPolicy, 'IfNotPresent');
  assert.equal(app.terminationMessagePath, '/dev/termination-log');
  assert.equal(app.terminationMessagePolicy, 'File');
  assert.deepEqual(app.ports, [{ containerPort: 8080, protocol: 'TCP' }]);
  assert.deepEqual(app.env[0].valueFrom.fieldRef, { fieldPath: 'metadata.name', apiVersion: 'v1' });
  assert.deepEqual(app.readinessProbe, { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(app.resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
  assert.deepEqual(pinned.resources, {});
});

test('Pod defaults: latest tag, preemption with priority, volumes, host network ports', () => {
  const p = pod({
    priority: 0,
    hostNetwork: true,
    containers: [{ name: 'app', image: 'nginx:latest', ports: [{ containerPort: 80 }] }],
    volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'c' } }],
  });
  defaultObject('', 'Pod', p);
  const spec = p.spec as any;
  assert.equal(spec.containers[0].imagePullPolicy, 'Always');
  assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
  assert.deepEqual(spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP', hostPort: 80 }]);
  assert.deepEqual(spec.volumes, [{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } }]);
});

test('a defaulted minimal Pod is valid', () => {
  assert.deepEqual(createErrors('', 'Pod', pod()), []);
});

test('containers are required and their names and images checked', () => {
  assert.deepEqual(createErrors('', 'Pod', pod({ containers: [] })), ['spec.containers: Required value']);
  assert.deepEqual(
    createErrors('', 'Pod', pod({ initContainers: [{ name: 'app', image: 'busybox' }], containers: [{ name: 'App', image: '' }, { name: 'App', image: ' x' }] })),
    [
      "spec.containers[0].name: Invalid value: \"App\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'spec.containers[0].image: Required value',
      "spec.containers[1].name: Invalid value: \"App\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'spec.containers[1].name: Duplicate value: "App"',
      'spec.containers[1].image: Invalid value: " x": must not have leading or trailing whitespace',
    ],
  );
  assert.deepEqual(createErrors('', 'Pod', pod({ initContainers: [{ name: 'app', image: 'busybox' }] })), ['spec.initContainers[0].name: Duplicate value: "app"']);
});

test('ports: range, names, protocol and host port conflicts', () => {
  const errs = containerErrors({
    ports: [
      { name: 'http', containerPort: 0 },
      { name: 'http', containerPort: 70000, protocol: 'ICMP' },
      { name: 'Web', containerPort: 81, hostPort: 8080 },
      { containerPort: 82, hostPort: 8080 },
    ],
  });
  assert.deepEqual(errs, [
    'spec.containers[0].ports[0].containerPort: Required value',
    'spec.containers[0].ports[1].name: Duplicate value: "http"',
    'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    'spec.containers[0].ports[2].name: Invalid value: "Web": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    'spec.containers[0].ports[3].hostPort: Duplicate value: "TCP//8080"',
  ]);
});

test('restartPolicy and dnsPolicy enums', () => {
  assert.deepEqual(createErrors('', 'Pod', pod({ restartPolicy: 'always', dnsPolicy: 'Cluster' })), [
    'spec.restartPolicy: Unsupported value: "always": supported values: "Always", "OnFailure", "Never"',
    'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  ]);
});

test('resources: names, quantities and requests within limits', () => {
  const errs = containerErrors({
    resources: { limits: { cpu: '500m', memory: 'lots', gpu: '1' }, requests: { cpu: '1', 'example.com/dongle': '1', memory: '-1' } },
  });
  assert.deepEqual(errs, [
    "spec.containers[0].resources.limits[memory]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
    'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
    // Pod defaulting copied the gpu limit into the requests.
    'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
    'spec.containers[0].resources.requests[memory]: Invalid value: "-1": must be greater than or equal to 0',
    'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
    'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
  ]);
});

test('volumes: names unique, exactly one source, mounts must reference them', () => {
  const errs = createErrors(
    '',
    'Pod',
    pod({
      volumes: [
        { name: 'data', emptyDir: {}, hostPath: { path: '/x' } },
        { name: 'cfg', configMap: { name: 'c' } },
        { name: 'cfg', secret: { secretName: 's' } },
        { name: 'Bad', persistentVolumeClaim: {} },
      ],
      containers: [{ name: 'app', image: 'x', volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'data', mountPath: '/etc/cfg' }, { name: 'missing' }] }],
    }),
  );
  assert.deepEqual(errs, [
    'spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type',
    'spec.volumes[2].name: Duplicate value: "cfg"',
    'spec.volumes[3].persistentVolumeClaim.claimName: Required value',
    "spec.volumes[3].name: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    'spec.containers[0].volumeMounts[1].name: Not found: "data"',
    'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/etc/cfg": must be unique',
    'spec.containers[0].volumeMounts[2].name: Not found: "missing"',
    'spec.containers[0].volumeMounts[2].mountPath: Required value',
  ]);
  assert.deepEqual(createErrors('', 'Pod', pod({ volumes: [{ name: 'v', configMap: { name: 'c' }, secret: { secretName: 's' }, downwardAPI: {} }] })), [
    // Kubernetes checks secret before downwardAPI and configMap (and misspells downwardAPI here).
    'spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type',
    'spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type',
  ]);
});

test('env: names, valueFrom sources and downward API paths', () => {
  const errs = containerErrors({
    env: [
      { name: '' },
      { name: 'my.var-1' },
      { name: 'A=B' },
      { name: 'X', valueFrom: {} },
      { name: 'Y', value: 'v', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      { name: 'Z', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
      { name: 'W', valueFrom: { configMapKeyRef: { name: 'c', key: 'bad key' } } },
    ],
  });
  assert.deepEqual(errs, [
    'spec.containers[0].env[0].name: Required value',
    "spec.containers[0].env[2].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
    'spec.containers[0].env[3].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    'spec.containers[0].env[4].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    'spec.containers[0].env[5].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
    "spec.containers[0].env[6].valueFrom.configMapKeyRef.key: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  ]);
});

test('probes need exactly one handler and liveness needs successThreshold 1', () => {
  const errs = containerErrors({
    livenessProbe: { successThreshold: 2, exec: { command: ['true'] }, tcpSocket: { port: 80 } },
    readinessProbe: { initialDelaySeconds: -1 },
    startupProbe: { httpGet: { port: 'web-port-name-too-long' } },
  });
  assert.deepEqual(errs, [
    'spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
    'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    'spec.containers[0].readinessProbe: Required value: must specify a handler type',
    'spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0',
    'spec.containers[0].startupProbe.httpGet.port: Invalid value: "web-port-name-too-long": must be no more than 15 characters',
  ]);
});

test('Pod updates: image and activeDeadlineSeconds may change, other spec fields may not', () => {
  const old = stored('', 'Pod', pod({ activeDeadlineSeconds: 100, tolerations: [{ key: 'a', operator: 'Exists' }] }));
  const next = clone(old);
  (next.spec as any).containers[0].image = 'nginx:1.28';
  (next.spec as any).activeDeadlineSeconds = 50;
  (next.spec as any).tolerations.push({ key: 'b', operator: 'Exists' });
  assert.deepEqual(updateErrors('', 'Pod', next, old), []);

  const changed = clone(old);
  (changed.spec as any).restartPolicy = 'Never';
  const errs = updateErrors('', 'Pod', changed, old);
  assert.equal(errs.length, 1);
  assert.ok(
    errs[0].startsWith(
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
    errs[0],
  );
  assert.match(errs[0], /- \trestartPolicy: "Always",\n\+ \trestartPolicy: "Never",/);

  const grown = clone(old);
  (grown.spec as any).containers.push({ name: 'b', image: 'x' });
  assert.deepEqual(updateErrors('', 'Pod', grown, old).slice(-1), ['spec.containers: Forbidden: pod updates may not add or remove containers']);

  const later = clone(old);
  (later.spec as any).activeDeadlineSeconds = 200;
  assert.deepEqual(updateErrors('', 'Pod', later, old), ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value']);

  const removed = clone(old);
  (removed.spec as any).tolerations = [];
  assert.deepEqual(updateErrors('', 'Pod', removed, old), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
});
