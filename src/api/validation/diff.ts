// Kubernetes appends a go-cmp diff of the Go structs to "is immutable"
// messages. We have JSON, not Go structs, so this renders the same shape
// (`-` old, `+` new, inside `Type{ ... }`) over the JSON paths that differ.

import { deepEqual, isObject } from './json.js';

function render(value: unknown): string {
  return value === undefined ? 'nil' : JSON.stringify(value);
}

function collect(oldValue: unknown, newValue: unknown, path: string, lines: string[]): void {
  if (deepEqual(oldValue, newValue)) return;
  if (isObject(oldValue) && isObject(newValue)) {
    for (const k of new Set([...Object.keys(oldValue), ...Object.keys(newValue)])) {
      collect(oldValue[k], newValue[k], path === '' ? k : `${path}.${k}`, lines);
    }
    return;
  }
  if (Array.isArray(oldValue) && Array.isArray(newValue) && oldValue.length === newValue.length) {
    oldValue.forEach((v, i) => collect(v, newValue[i], `${path}[${i}]`, lines));
    return;
  }
  lines.push(`- \t${path}: ${render(oldValue)},`);
  lines.push(`+ \t${path}: ${render(newValue)},`);
}

export function describeDiff(typeName: string, oldValue: unknown, newValue: unknown): string {
  const lines: string[] = [];
  collect(oldValue, newValue, '', lines);
  return [`  ${typeName}{`, ...lines, '  }', ''].join('\n');
}
