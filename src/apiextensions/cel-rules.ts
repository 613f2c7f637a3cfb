// x-kubernetes-validations: CEL rules evaluated on each schema node with
// `self` bound to the node's value (and `oldSelf` to the stored one on
// update, for transition rules), failing as apiextensions-apiserver fails
// them: `spec: Invalid value: "object": <message>`. Rules are compiled by
// @marcbachmann/cel-js; integers become int64 (BigInt) as Go's unstructured
// decoding makes them, so `self.replicas + 1` is int arithmetic.
import { parse } from '@marcbachmann/cel-js';
import type { FieldError } from '../api/types.js';
import * as field from '../api/validation/field.js';
import { isPlainObject, mapValueSchema, type JsonSchemaProps, type ValidationRule } from './json-schema.js';

type CompiledRule = (context: Record<string, unknown>) => unknown;

const compiled = new Map<string, CompiledRule>();

/** Compiles (memoised) a rule; throws the library's ParseError on bad syntax. */
export function compileRule(rule: string): CompiledRule {
  let fn = compiled.get(rule);
  if (!fn) {
    fn = parse(rule) as unknown as CompiledRule;
    compiled.set(rule, fn);
  }
  return fn;
}

/** The CEL view of a JSON value: integers as int64 unless the schema says number. */
export function toCelValue(value: unknown, schema: JsonSchemaProps | undefined): unknown {
  if (typeof value === 'number') return Number.isInteger(value) && schema?.type !== 'number' ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map((item) => toCelValue(item, schema?.items));
  if (isPlainObject(value)) {
    const values = schema ? mapValueSchema(schema) : undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCelValue(v, schema?.properties?.[k] ?? values)]));
  }
  return value;
}

/** The type name apiextensions-apiserver echoes as the "value" of a failed rule. */
function schemaTypeName(schema: JsonSchemaProps, value: unknown): string {
  if (schema.type) return schema.type;
  if (Array.isArray(value)) return 'array';
  if (isPlainObject(value)) return 'object';
  return typeof value === 'number' ? 'number' : typeof value;
}

function ruleError(rule: ValidationRule, path: string, typeName: string, message: string): FieldError {
  const target = rule.fieldPath ? `${path}${rule.fieldPath.startsWith('.') || rule.fieldPath.startsWith('[') ? '' : '.'}${rule.fieldPath}`.replace(/^\./, '') : path;
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return field.forbidden(target, message);
    case 'FieldValueRequired':
      return field.required(target, message);
    case 'FieldValueDuplicate':
      return { type: 'FieldValueDuplicate', field: target, value: typeName, detail: message };
    default:
      return field.invalid(target, typeName, message);
  }
}

const referencesOldSelf = (rule: string) => /\boldSelf\b/.test(rule);

class RuleRunner {
  readonly errors: FieldError[] = [];

  visit(value: unknown, old: unknown, schema: JsonSchemaProps | undefined, path: string): void {
    if (!schema || value === undefined || value === null) return;
    for (const rule of schema['x-kubernetes-validations'] ?? []) this.run(rule, value, old, schema, path);
    if (Array.isArray(value) && schema.items) {
      const oldItems = Array.isArray(old) ? old : [];
      const keys = schema['x-kubernetes-list-map-keys'];
      value.forEach((item, i) => {
        // Transition rules compare list-map items by key, other items by position.
        const previous = schema['x-kubernetes-list-type'] === 'map' && keys && isPlainObject(item)
          ? oldItems.find((o) => isPlainObject(o) && keys.every((k) => o[k] === item[k]))
          : undefined;
        this.visit(item, previous, schema.items, `${path}[${i}]`);
      });
    } else if (isPlainObject(value)) {
      const values = mapValueSchema(schema);
      const oldObject = isPlainObject(old) ? old : undefined;
      for (const [key, child] of Object.entries(value)) {
        this.visit(child, oldObject?.[key], schema.properties?.[key] ?? values, path === '' ? key : `${path}.${key}`);
      }
    }
  }

  private run(rule: ValidationRule, value: unknown, old: unknown, schema: JsonSchemaProps, path: string): void {
    const transition = referencesOldSelf(rule.rule);
    // A transition rule only applies to updates of an existing value (unless oldSelf is optional).
    if (transition && old === undefined && !rule.optionalOldSelf) return;
    const typeName = schemaTypeName(schema, value);
    let result: unknown;
    try {
      const context: Record<string, unknown> = { self: toCelValue(value, schema) };
      if (transition) context.oldSelf = toCelValue(old, schema);
      result = compileRule(rule.rule)(context);
    } catch (err) {
      this.errors.push(field.invalid(path, typeName, `rule evaluation error: ${firstLine((err as Error).message)}`));
      return;
    }
    if (result === true) return;
    if (result !== false) {
      this.errors.push(field.invalid(path, typeName, `rule evaluation error: rule did not evaluate to a bool: ${rule.rule}`));
      return;
    }
    this.errors.push(ruleError(rule, path, typeName, rule.message?.trim() || `failed rule: ${rule.rule}`));
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/** Field errors of every x-kubernetes-validations rule that `obj` fails (old: the stored object on update). */
export function validateCelRules(obj: Record<string, unknown>, old: Record<string, unknown> | undefined, schema: JsonSchemaProps): FieldError[] {
  const runner = new RuleRunner();
  const { metadata: _m, ...properties } = schema.properties ?? {};
  const { metadata: _om, ...rest } = obj;
  runner.visit(rest, old, { ...schema, properties }, '');
  return runner.errors;
}

/** Syntax errors of the rules in a schema, for CRD validation. */
export function ruleCompileErrors(schema: JsonSchemaProps, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const walk = (node: JsonSchemaProps | undefined, at: string) => {
    if (!node) return;
    (node['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
      try {
        compileRule(rule.rule);
      } catch (err) {
        errors.push(field.invalid(`${at}.x-kubernetes-validations[${i}].rule`, rule.rule, `compilation failed: ${firstLine((err as Error).message)}`));
      }
    });
    for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${at}.properties[${name}]`);
    walk(node.items, `${at}.items`);
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${at}.additionalProperties`);
  };
  walk(schema, path);
  return errors;
}
