// Unit tests of the pieces a CRD's schema drives: validation with
// Kubernetes' field errors, pruning, defaulting, CEL rules and printer columns.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateAgainstSchema } from '../../src/apiextensions/schema-validation.js';
import { pruneUnknownFields } from '../../src/apiextensions/pruning.js';
import { applySchemaDefaults } from '../../src/apiextensions/defaulting.js';
import { ruleCompileErrors, validateCelRules } from '../../src/apiextensions/cel-rules.js';
import { printerForColumns } from '../../src/apiextensions/printer-columns.js';
import { formatFieldError } from '../../src/api/validation/field.js';
import type { JsonSchemaProps } from '../../src/apiextensions/json-schema.js';

const schema: JsonSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      'x-kubernetes-validations': [{ rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' }],
      properties: {
        image: { type: 'string', minLength: 2, maxLength: 10 },
        replicas: { type: 'integer', minimum: 0, default: 1 },
        maxReplicas: { type: 'integer', maximum: 100, default: 5 },
        policy: { type: 'string', enum: ['Allow', 'Forbid'] },
        cron: { type: 'string', pattern: '^\\d+$' },
        when: { type: 'string', format: 'date-time' },
        tags: { type: 'array', maxItems: 2, 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        nested: { type: 'object', properties: { flag: { type: 'boolean', default: true } }, default: {} },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
};

const messages = (obj: unknown) => validateAgainstSchema(obj, schema).map(formatFieldError);

describe('structural schema validation', () => {
  it('accepts a valid object', () => {
    assert.deepEqual(messages({ apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: { image: 'nginx', replicas: 2, tags: ['a'] } }), []);
  });

  it('reports types, required, enum, pattern, min/max, formats and list limits as Kubernetes words them', () => {
    const got = messages({
      spec: { replicas: 'two', maxReplicas: 101, policy: 'Maybe', cron: 'x', when: 'yesterday', tags: ['a', 'b', 'a'], image: 'n', labels: { a: 1 } },
    });
    assert.deepEqual(got.sort(), [
      'spec.cron: Invalid value: "x": spec.cron in body should match \'^\\d+$\'',
      'spec.image: Invalid value: "n": spec.image in body should be at least 2 chars long',
      'spec.labels.a: Invalid value: 1: spec.labels.a in body must be of type string: "integer"',
      'spec.maxReplicas: Invalid value: 101: spec.maxReplicas in body should be less than or equal to 100',
      'spec.policy: Unsupported value: "Maybe": supported values: "Allow", "Forbid"',
      'spec.replicas: Invalid value: "two": spec.replicas in body must be of type integer: "string"',
      'spec.tags: Too many: 3: must have at most 2 items',
      'spec.tags[2]: Duplicate value: "a"',
      'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
    ]);
    assert.deepEqual(messages({ spec: {} }), ['spec.image: Required value']);
    assert.deepEqual(messages({ spec: { image: 'abcdefghijkl' } }), ['spec.image: Too long: may not be more than 10 bytes']);
  });
});

describe('pruning and defaulting', () => {
  it('drops undeclared fields but keeps preserved ones and the type meta', () => {
    const obj = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, extra: 1, spec: { image: 'i', bogus: true, free: { any: { thing: 1 } }, labels: { k: 'v' } } };
    const pruned = pruneUnknownFields(obj, schema);
    assert.deepEqual(pruned.sort(), ['extra', 'spec.bogus']);
    assert.deepEqual(obj, { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: { image: 'i', free: { any: { thing: 1 } }, labels: { k: 'v' } } });
  });

  it('fills defaults recursively, keeps set values and treats null as unset', () => {
    const obj: Record<string, unknown> = { spec: { image: 'i', replicas: 3, maxReplicas: null } };
    applySchemaDefaults(obj, schema);
    assert.deepEqual(obj, { spec: { image: 'i', replicas: 3, maxReplicas: 5, nested: { flag: true } } });
  });
});

describe('x-kubernetes-validations (CEL)', () => {
  it('fails a rule with its message at the rule\'s node', () => {
    const errs = validateCelRules({ spec: { replicas: 6, maxReplicas: 5 } }, undefined, schema);
    assert.deepEqual(errs.map(formatFieldError), ['spec: Invalid value: "object": replicas must not exceed maxReplicas']);
    assert.deepEqual(validateCelRules({ spec: { replicas: 5, maxReplicas: 5 } }, undefined, schema), []);
  });

  it('supports has, all, exists, size, int arithmetic, transition rules and reasons', () => {
    const ruled: JsonSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-validations': [
            { rule: '!has(self.forbidden)', reason: 'FieldValueForbidden', fieldPath: '.forbidden', message: 'may not be set' },
            { rule: 'self.items.all(i, i > 0) && self.items.exists(i, i == 2) && size(self.items) < 4', message: 'bad items' },
            { rule: 'self.count + 1 > 1' },
            { rule: 'self.name == oldSelf.name', message: 'name is immutable' },
          ],
          properties: { items: { type: 'array', items: { type: 'integer' } }, count: { type: 'integer' }, name: { type: 'string' }, forbidden: { type: 'string' } },
        },
      },
    };
    const ok = { spec: { items: [1, 2], count: 1, name: 'a' } };
    assert.deepEqual(validateCelRules(ok, undefined, ruled), []);
    const bad = { spec: { items: [0, 3], count: 0, name: 'b', forbidden: 'x' } };
    assert.deepEqual(validateCelRules(bad, ok, ruled).map(formatFieldError), [
      'spec.forbidden: Forbidden: may not be set',
      'spec: Invalid value: "object": bad items',
      'spec: Invalid value: "object": failed rule: self.count + 1 > 1',
      'spec: Invalid value: "object": name is immutable',
    ]);
  });

  it('reports rules that do not compile', () => {
    const errs = ruleCompileErrors({ type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.x >' }] } } }, 'root');
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.field, 'root.properties[spec].x-kubernetes-validations[0].rule');
    assert.match(errs[0]!.detail!, /^compilation failed: /);
  });
});

describe('printer columns', () => {
  it('reads cells by JSONPath and types them', () => {
    const printer = printerForColumns([
      { name: 'Image', type: 'string', jsonPath: '.spec.image' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
    assert.deepEqual(printer.columns.map((c) => c.name), ['Name', 'Image', 'Replicas', 'Ready', 'Age']);
    const now = Date.parse('2024-01-01T00:10:00Z');
    const obj = { metadata: { name: 'a', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { image: 'nginx', replicas: 2 }, status: { conditions: [{ type: 'Other', status: 'x' }, { type: 'Ready', status: 'True' }] } };
    assert.deepEqual(printer.cells(obj, now), ['a', 'nginx', 2, 'True', '10m']);
    assert.deepEqual(printer.cells({ metadata: { name: 'b' } }, now), ['b', null, null, null, null]);
  });
});
