// Cases ported from the intent of k8s.io/apimachinery's strategicpatch tests,
// expressed as Kubernetes objects against the fixture schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../src/apiserver/patch/strategic-merge-patch.js';
import { patchMetaFromOpenApiV3, type PatchMeta } from '../../src/apiserver/patch/patch-meta.js';
import { PatchError } from '../../src/apiserver/patch/patch-error.js';
import { DEPLOYMENT, fixtureSchemas } from './openapi-fixture.js';

const deploymentMeta = patchMetaFromOpenApiV3(fixtureSchemas, DEPLOYMENT) as PatchMeta;

type Json = Record<string, unknown>;

function deployment(podSpec: Json, metadata: Json = { name: 'web' }): Json {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas: 1, template: { spec: podSpec } } };
}

function podSpecOf(result: Json): Json {
  return ((result.spec as Json).template as Json).spec as Json;
}

function patchPodSpec(original: Json, podSpecPatch: Json): Json {
  return podSpecOf(applyStrategicMergePatch(original, { spec: { template: { spec: podSpecPatch } } }, deploymentMeta));
}

function patchError(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PatchError, `expected a PatchError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the patch to be rejected');
}

const web = { name: 'web', image: 'nginx:1.14', ports: [{ containerPort: 80 }] };
const sidecar = { name: 'sidecar', image: 'busybox' };

test('smp: containers merge by name; a new container is added, the existing one kept', () => {
  const result = patchPodSpec(deployment({ containers: [web] }), { containers: [sidecar] });
  // Without $setElementOrder, Kubernetes puts elements the server did not
  // have before the ones it had (mergeSortedSlice).
  assert.deepEqual(result.containers, [sidecar, web]);
});

test("smp: replacing a container's image keeps its other fields", () => {
  const original = deployment({ containers: [web, sidecar] });
  const result = patchPodSpec(original, { containers: [{ name: 'web', image: 'nginx:1.25' }] });
  assert.deepEqual(result.containers, [{ ...web, image: 'nginx:1.25' }, sidecar]);
});

test('smp: $patch: delete removes the container with that name', () => {
  const result = patchPodSpec(deployment({ containers: [web, sidecar] }), {
    containers: [{ name: 'web', $patch: 'delete' }],
  });
  assert.deepEqual(result.containers, [sidecar]);
});

test('smp: $patch: delete removes every duplicate with the merge key', () => {
  const result = patchPodSpec(deployment({ containers: [web, { name: 'web' }, sidecar] }), {
    containers: [{ name: 'web', $patch: 'delete' }],
  });
  assert.deepEqual(result.containers, [sidecar]);
});

test('smp: $patch: replace in a list replaces the whole list with the other elements', () => {
  const result = patchPodSpec(deployment({ containers: [web, sidecar] }), {
    containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }],
  });
  assert.deepEqual(result.containers, [{ name: 'only', image: 'x' }]);
});

test('smp: nested merge lists merge too (env by name, ports by containerPort)', () => {
  const original = deployment({
    containers: [{ name: 'web', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, name: 'http' }] }],
  });
  const result = patchPodSpec(original, {
    containers: [
      {
        name: 'web',
        env: [{ name: 'B', value: 'changed' }, { name: 'A', $patch: 'delete' }],
        ports: [{ containerPort: 443, name: 'https' }, { containerPort: 80, protocol: 'TCP' }],
      },
    ],
  });
  assert.deepEqual(result.containers, [
    {
      name: 'web',
      env: [{ name: 'B', value: 'changed' }],
      ports: [{ containerPort: 443, name: 'https' }, { containerPort: 80, name: 'http', protocol: 'TCP' }],
    },
  ]);
});

test('smp: patch order wins over server order for elements the patch names', () => {
  // "preserve the order from the patch in a merging list 2" of patch_test.go.
  const original = deployment({ containers: [{ name: '1' }, { name: '2', image: 'b' }, { name: '3' }] });
  const result = patchPodSpec(original, { containers: [{ name: '3', image: 'c' }, { name: '1', image: 'a' }] });
  assert.deepEqual(result.containers, [{ name: '2', image: 'b' }, { name: '3', image: 'c' }, { name: '1', image: 'a' }]);
});

test('smp: $setElementOrder sets the order of a merged list', () => {
  const original = deployment({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
  const result = patchPodSpec(original, {
    '$setElementOrder/containers': [{ name: 'c' }, { name: 'd' }, { name: 'a' }, { name: 'b' }],
    containers: [{ name: 'd', image: 'new' }],
  });
  assert.deepEqual(result.containers, [{ name: 'c' }, { name: 'd', image: 'new' }, { name: 'a' }, { name: 'b' }]);
  assert.equal(Object.keys(result).some((key) => key.startsWith('$')), false, 'the directive is not stored');
});

test('smp: $setElementOrder alone reorders, and never adds elements it names', () => {
  const original = deployment({ containers: [{ name: 'a' }, { name: 'c' }] });
  const result = patchPodSpec(original, { '$setElementOrder/containers': [{ name: 'c' }, { name: 'b' }, { name: 'a' }] });
  assert.deepEqual(result.containers, [{ name: 'c' }, { name: 'a' }]);
});

test('smp: $setElementOrder keeps server-only elements before the patch elements they preceded', () => {
  const original = deployment({ containers: [{ name: 'a' }, { name: 'server-only' }, { name: 'b' }] });
  const result = patchPodSpec(original, {
    '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
  });
  // server-only came before b on the server, and b now leads the patch order.
  assert.deepEqual(result.containers, [{ name: 'server-only' }, { name: 'b' }, { name: 'a' }]);
  const trailing = patchPodSpec(deployment({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'server-only' }] }), {
    '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
  });
  assert.deepEqual(trailing.containers, [{ name: 'b' }, { name: 'a' }, { name: 'server-only' }]);
});

test('smp: a patch list out of $setElementOrder order is rejected like Kubernetes (500)', () => {
  const error = patchError(() =>
    patchPodSpec(deployment({ containers: [{ name: '1' }, { name: '3' }, { name: '2' }] }), {
      '$setElementOrder/containers': [{ name: '1' }, { name: '2' }, { name: '3' }],
      containers: [{ name: '3', image: '3' }, { name: '1', image: '1' }],
    }),
  );
  assert.equal(error.code, 500);
  assert.equal(
    error.message,
    "The order in patch list:\n[map[image:3 name:3] map[image:1 name:1]]\n doesn't match $setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]\n",
  );
});

test('smp: $retainKeys on a Deployment strategy switching RollingUpdate to Recreate drops rollingUpdate', () => {
  const original = {
    metadata: { name: 'web' },
    spec: { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
  };
  const result = applyStrategicMergePatch(
    original,
    { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    deploymentMeta,
  );
  assert.deepEqual(result.spec, { replicas: 2, strategy: { type: 'Recreate' } });
});

test('smp: without $retainKeys the same patch keeps rollingUpdate (retainKeys is opt-in per patch)', () => {
  const original = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
  const result = applyStrategicMergePatch(original, { spec: { strategy: { type: 'Recreate' } } }, deploymentMeta);
  assert.deepEqual(result.spec, { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } });
});

test('smp: $retainKeys that omits a key the patch sets is a 400', () => {
  const error = patchError(() =>
    applyStrategicMergePatch(
      { spec: { strategy: { type: 'RollingUpdate' } } },
      { spec: { strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
      deploymentMeta,
    ),
  );
  assert.equal(error.code, 400);
  assert.equal(error.reason, 'BadRequest');
  assert.equal(error.message, 'invalid patch format of retainKeys');
});

test('smp: $retainKeys on list elements (volumes merge,retainKeys) swaps a volume source', () => {
  const original = deployment({ volumes: [{ name: 'data', emptyDir: {} }, { name: 'cache', emptyDir: {} }] });
  const result = patchPodSpec(original, {
    volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'settings' } }],
  });
  assert.deepEqual(result.volumes, [{ name: 'data', configMap: { name: 'settings' } }, { name: 'cache', emptyDir: {} }]);
});

test('smp: $deleteFromPrimitiveList/finalizers removes those values and keeps the rest in order', () => {
  const original = deployment({}, { name: 'web', finalizers: ['a/one', 'b/two', 'c/three', 'b/two'] });
  const result = applyStrategicMergePatch(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b/two'] } }, deploymentMeta);
  assert.deepEqual(result.metadata, { name: 'web', finalizers: ['a/one', 'c/three'] });
});

test('smp: primitive merge lists are unions without duplicates, in patch-then-server order', () => {
  const original = deployment({}, { name: 'web', finalizers: ['a', 'b'] });
  const result = applyStrategicMergePatch(original, { metadata: { finalizers: ['b', 'c'] } }, deploymentMeta);
  assert.deepEqual((result.metadata as Json).finalizers, ['a', 'b', 'c']);
  const reordered = applyStrategicMergePatch(
    deployment({}, { finalizers: [1, 2, 3] }),
    { metadata: { finalizers: [3, 1] } },
    deploymentMeta,
  );
  // "preserve the order from the patch in a merging int list" of patch_test.go.
  assert.deepEqual((reordered.metadata as Json).finalizers, [2, 3, 1]);
});

test('smp: $setElementOrder and $deleteFromPrimitiveList together on a primitive list', () => {
  const original = deployment({}, { finalizers: ['1', '2', '3', '4'] });
  const result = applyStrategicMergePatch(
    original,
    {
      metadata: {
        '$setElementOrder/finalizers': ['1', '2', '5'],
        '$deleteFromPrimitiveList/finalizers': ['3'],
        finalizers: ['5'],
      },
    },
    deploymentMeta,
  );
  assert.deepEqual((result.metadata as Json).finalizers, ['1', '2', '5', '4']);
});

test('smp: null deletes a label; labels merge key by key', () => {
  const original = deployment({}, { name: 'web', labels: { app: 'web', tier: 'front' } });
  const result = applyStrategicMergePatch(original, { metadata: { labels: { tier: null, env: 'prod' } } }, deploymentMeta);
  assert.deepEqual((result.metadata as Json).labels, { app: 'web', env: 'prod' });
});

test('smp: null for a missing key changes nothing and is not stored', () => {
  const original = deployment({}, { name: 'web' });
  const result = applyStrategicMergePatch(original, { metadata: { labels: null, annotations: { a: null, b: 'x' } } }, deploymentMeta);
  assert.deepEqual(result.metadata, { name: 'web', annotations: { b: 'x' } });
});

test('smp: $patch: replace replaces a whole map', () => {
  const original = deployment({ nodeSelector: { disk: 'ssd', zone: 'a' } });
  const result = patchPodSpec(original, { nodeSelector: { $patch: 'replace', zone: 'b' } });
  assert.deepEqual(result.nodeSelector, { zone: 'b' });
});

test('smp: $patch: delete on a map empties it', () => {
  const original = deployment({ nodeSelector: { disk: 'ssd' } });
  assert.deepEqual(patchPodSpec(original, { nodeSelector: { $patch: 'delete' } }).nodeSelector, {});
});

test('smp: lists without a patch strategy are replaced (atomic tolerations, container args)', () => {
  const original = deployment({
    tolerations: [{ key: 'a', operator: 'Exists' }],
    containers: [{ name: 'web', args: ['--one', '--two'] }],
  });
  const result = patchPodSpec(original, {
    tolerations: [{ key: 'b', operator: 'Exists' }],
    containers: [{ name: 'web', args: ['--three'] }],
  });
  assert.deepEqual(result.tolerations, [{ key: 'b', operator: 'Exists' }]);
  assert.deepEqual(result.containers, [{ name: 'web', args: ['--three'] }]);
});

test('smp: fields without schema behave like a JSON merge patch (maps merge, lists replaced)', () => {
  const original = { spec: { custom: { list: [1, 2], keep: 'yes', drop: 'no' } }, status: { conditions: [{ type: 'A' }] } };
  const patch = { spec: { custom: { list: [3], drop: null } }, status: { conditions: [{ type: 'B' }] } };
  const expected = { spec: { custom: { list: [3], keep: 'yes' } }, status: { conditions: [{ type: 'B' }] } };
  assert.deepEqual(applyStrategicMergePatch(original, patch, deploymentMeta), expected);
  assert.deepEqual(applyStrategicMergePatch(original, patch), expected);
});

test('smp: a value the original lacks is stored without directives or nulls', () => {
  const original = { metadata: { name: 'web' }, spec: { replicas: 1 } };
  const result = applyStrategicMergePatch(
    original,
    {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }],
            containers: [{ name: 'web', image: 'nginx', env: null }, { name: 'gone', $patch: 'delete' }],
          },
        },
        strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
        selector: { $patch: 'replace', matchLabels: { app: 'web' } },
        paused: { $patch: 'delete' },
      },
    },
    deploymentMeta,
  );
  assert.deepEqual(result.spec, {
    replicas: 1,
    template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } },
    strategy: { type: 'Recreate' },
    selector: { matchLabels: { app: 'web' } },
  });
});

test('smp: a value of another shape replaces the original one', () => {
  const original = { spec: { replicas: 1, template: { spec: { containers: [web] } } } };
  const result = applyStrategicMergePatch(original, { spec: { replicas: { odd: true }, template: 'flat' } }, deploymentMeta);
  assert.deepEqual(result.spec, { replicas: { odd: true }, template: 'flat' });
});

test('smp: ownerReferences merge by uid', () => {
  const owner = (uid: string, name: string) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid });
  const original = deployment({}, { ownerReferences: [owner('u1', 'a')] });
  const result = applyStrategicMergePatch(
    original,
    { metadata: { ownerReferences: [{ uid: 'u1', name: 'renamed' }, owner('u2', 'b')] } },
    deploymentMeta,
  );
  assert.deepEqual((result.metadata as Json).ownerReferences, [owner('u1', 'renamed'), owner('u2', 'b')]);
});

test('smp: neither input is mutated', () => {
  const original = deployment({ containers: [web, sidecar], nodeSelector: { a: 'b' } }, { name: 'web', labels: { x: 'y' } });
  const patch = {
    metadata: { labels: { x: null } },
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }], containers: [{ name: 'web', $patch: 'delete' }] } } },
  };
  const originalCopy = structuredClone(original);
  const patchCopy = structuredClone(patch);
  const result = applyStrategicMergePatch(original, patch, deploymentMeta);
  assert.deepEqual(original, originalCopy);
  assert.deepEqual(patch, patchCopy);
  assert.deepEqual(podSpecOf(result).containers, [sidecar]);
});

test('smp: a null patch changes nothing; a non-object patch is a 400', () => {
  const original = deployment({ containers: [web] });
  assert.deepEqual(applyStrategicMergePatch(original, null, deploymentMeta), original);
  const error = patchError(() => applyStrategicMergePatch(original, [{ op: 'add' }], deploymentMeta));
  assert.equal(error.code, 400);
  assert.equal(error.message, 'json: cannot unmarshal array into Go value of type map[string]interface {}');
});

test('smp errors: $patch: foo is an unknown patch type (500 with Kubernetes\' message)', () => {
  const onMap = patchError(() => patchPodSpec(deployment({ nodeSelector: { a: 'b' } }), { nodeSelector: { $patch: 'foo', a: 'c' } }));
  assert.equal(onMap.code, 500);
  assert.equal(onMap.reason, '');
  assert.equal(onMap.message, 'unknown patch type: foo in map: map[$patch:foo a:c]');
  assert.equal(onMap.toStatus().reason, undefined);
  assert.equal(onMap.toStatus().code, 500);

  const inList = patchError(() => patchPodSpec(deployment({ containers: [web] }), { containers: [{ name: 'web', $patch: 'foo' }] }));
  assert.equal(inList.message, 'unknown patch type: foo in map: map[$patch:foo name:web]');
});

test("smp errors: Kubernetes rejects an explicit $patch: merge (maps and lists)", () => {
  const onMap = patchError(() => patchPodSpec(deployment({ nodeSelector: { a: 'b' } }), { nodeSelector: { $patch: 'merge' } }));
  assert.equal(onMap.message, 'unknown patch type: merge in map: map[$patch:merge]');
  const inList = patchError(() => patchPodSpec(deployment({ containers: [web] }), { containers: [{ name: 'web', $patch: 'merge' }] }));
  assert.equal(inList.code, 500);
  assert.equal(inList.message, 'merging lists cannot yet be specified in the patch');
});

test('smp errors: a list element without its merge key', () => {
  const error = patchError(() => patchPodSpec(deployment({ containers: [web] }), { containers: [{ image: 'x' }] }));
  assert.equal(error.code, 500);
  assert.equal(error.message, 'map: map[image:x] does not contain declared merge key: name');
});

test('smp errors: malformed directive keys and values are 400s', () => {
  const original = { ...deployment({ containers: [web] }, { finalizers: ['a'] }), spec: { strategy: { type: 'Recreate' } } };
  const cases: [Json, string][] = [
    [{ metadata: { $deleteFromPrimitiveList: ['a'] } }, 'invalid patch format of primitive list'],
    [{ metadata: { '$deleteFromPrimitiveListX/finalizers': ['a'] } }, 'invalid patch format of primitive list'],
    [{ metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, 'invalid patch format of primitive list'],
    [{ metadata: { $setElementOrder: ['a'] } }, 'invalid patch format of setElementOrder list'],
    [{ spec: { strategy: { $retainKeys: 'type' } } }, 'invalid patch format of retainKeys'],
  ];
  for (const [patch, message] of cases) {
    const error = patchError(() => applyStrategicMergePatch(original, patch, deploymentMeta));
    assert.equal(error.code, 400, JSON.stringify(patch));
    assert.equal(error.message, message, JSON.stringify(patch));
  }
});

test('smp errors: a $setElementOrder that is not a list', () => {
  const error = patchError(() => patchPodSpec(deployment({ containers: [web] }), { '$setElementOrder/containers': 'web' }));
  assert.equal(error.code, 500);
  assert.equal(error.message, 'expected a []interface {}, but received a string');
});

test('smp errors: lists of lists are a 422 Invalid', () => {
  const original = deployment({}, { finalizers: [['a']] });
  const error = patchError(() => applyStrategicMergePatch(original, { metadata: { finalizers: [['b']] } }, deploymentMeta));
  assert.equal(error.code, 422);
  assert.equal(error.reason, 'Invalid');
  assert.equal(error.detail, 'lists of lists are not supported');
});

test('smp errors: mixed element types in a merge list', () => {
  const original = deployment({}, { finalizers: ['a'] });
  const error = patchError(() => applyStrategicMergePatch(original, { metadata: { finalizers: [1] } }, deploymentMeta));
  assert.equal(error.code, 500);
  assert.equal(error.message, 'list element types are not identical: [[a] [1]]');
});

test('smp errors: a schema with an impossible patch strategy', () => {
  const meta: PatchMeta = {
    fieldMeta: (name) => (name === 'items' ? { patchStrategy: 'merge,replace,retainKeys' } : undefined),
    itemsMeta: () => undefined,
  };
  const error = patchError(() => applyStrategicMergePatch({ items: [1] }, { items: [2] }, meta));
  assert.equal(error.message, 'unexpected patch strategy: [merge replace retainKeys]');
});

test('smp: a field whose strategy is replace replaces maps wholesale', () => {
  const meta: PatchMeta = {
    fieldMeta: (name) => (name === 'raw' ? { patchStrategy: 'replace' } : undefined),
    itemsMeta: () => undefined,
  };
  const result = applyStrategicMergePatch({ raw: { a: 1, b: 2 }, other: { a: 1 } }, { raw: { c: 3 }, other: { c: 3 } }, meta);
  assert.deepEqual(result, { raw: { c: 3 }, other: { a: 1, c: 3 } });
});
