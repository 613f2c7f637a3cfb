import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatLabelSelector, matchesAll, parseLabelSelector, requirementsFromLabelSelector, SelectorParseError,
} from '../../src/apiserver/selectors/label-selector.js';
import { matchesFields, parseFieldSelector, FieldSelectorParseError } from '../../src/apiserver/selectors/field-selector.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'frontend', version: '3' };

  it('parses every operator and matches as Kubernetes does', () => {
    const cases: [string, boolean][] = [
      ['app=web', true],
      ['app==web', true],
      ['app!=web', false],
      ['app!=db', true],
      ['missing!=x', true],
      ['tier in (frontend, backend)', true],
      ['tier notin (frontend)', false],
      ['tier notin (backend)', true],
      ['app', true],
      ['!app', false],
      ['!missing', true],
      ['version>2', true],
      ['version<3', false],
      ['app=web,tier=backend', false],
      ['app=web, tier in (frontend)', true],
      ['', true],
    ];
    for (const [selector, expected] of cases) {
      assert.equal(matchesAll(parseLabelSelector(selector), labels), expected, selector);
    }
  });

  it('rejects malformed selectors', () => {
    for (const bad of ['app in web', 'app=web,', '=web', 'app in (a', 'Bad Key=x', 'app=has space', 'n>x']) {
      assert.throws(() => parseLabelSelector(bad), SelectorParseError, bad);
    }
  });

  it('converts a LabelSelector to requirements and renders the canonical string', () => {
    const reqs = requirementsFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'canary', operator: 'DoesNotExist' }],
    });
    assert.equal(formatLabelSelector(reqs), 'app=web,!canary,env in (dev,prod)');
    assert.equal(matchesAll(reqs, { app: 'web', env: 'dev' }), true);
    assert.equal(matchesAll(reqs, { app: 'web', env: 'dev', canary: 'x' }), false);
    assert.throws(() => requirementsFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Like' }] }), SelectorParseError);
  });
});

describe('field selectors', () => {
  it('parses =, == and != with escapes', () => {
    const reqs = parseFieldSelector('metadata.name=a\\,b,spec.nodeName!=,status.phase==Running');
    assert.deepEqual(reqs, [
      { field: 'metadata.name', operator: '=', value: 'a,b' },
      { field: 'spec.nodeName', operator: '!=', value: '' },
      { field: 'status.phase', operator: '=', value: 'Running' },
    ]);
    assert.equal(matchesFields(reqs, { 'metadata.name': 'a,b', 'spec.nodeName': 'n1', 'status.phase': 'Running' }), true);
    assert.equal(matchesFields(reqs, { 'metadata.name': 'a,b', 'spec.nodeName': '', 'status.phase': 'Running' }), false);
  });

  it('rejects a selector without an operator', () => {
    assert.throws(() => parseFieldSelector('metadata.name'), FieldSelectorParseError);
  });
});

import { parseRequestPath } from '../../src/apiserver/http/request-info.js';

describe('request paths', () => {
  it('parses namespaced, cluster-scoped and subresource paths as kube-apiserver does', () => {
    assert.deepEqual(parseRequestPath('/api/v1/namespaces/default/pods/web/status'), { kind: 'resource', group: '', version: 'v1', namespace: 'default', resource: 'pods', name: 'web', subresource: 'status', rest: [] });
    assert.deepEqual(parseRequestPath('/apis/apps/v1/deployments'), { kind: 'resource', group: 'apps', version: 'v1', namespace: undefined, resource: 'deployments', name: undefined, subresource: undefined, rest: [] });
    for (const sub of ['status', 'finalize']) {
      assert.deepEqual(parseRequestPath(`/api/v1/namespaces/doomed/${sub}`), { kind: 'resource', group: '', version: 'v1', namespace: undefined, resource: 'namespaces', name: 'doomed', subresource: sub, rest: [] });
    }
    assert.deepEqual(parseRequestPath('/api/v1/namespaces/doomed'), { kind: 'resource', group: '', version: 'v1', namespace: undefined, resource: 'namespaces', name: 'doomed', subresource: undefined, rest: [] });
    assert.deepEqual(parseRequestPath('/api/v1/namespaces/ns/configmaps'), { kind: 'resource', group: '', version: 'v1', namespace: 'ns', resource: 'configmaps', name: undefined, subresource: undefined, rest: [] });
  });
});
