// Small readers for the wire shapes printers look at, plus the label and
// container formatting several printers share. Objects arrive as plain JSON
// that validation has already vetted, but a printer must never throw on an
// odd value, so every reader degrades to Go's zero value.

import type { KubeObject } from '../types.js';

/** The element list of an optional JSON array (Go's nil slice reads as empty). */
export function listOf<T>(value: T[] | undefined | null): T[] {
  return Array.isArray(value) ? value : [];
}

/** The entry count of an optional JSON map (len() of a nil map is 0). */
export function countKeys(value: object | undefined | null): number {
  return value && typeof value === 'object' ? Object.keys(value).length : 0;
}

export function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}

/** labels.FormatLabels: "k=v" pairs sorted by key, "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const pairs = Object.keys(labels ?? {})
    .sort()
    .map((key) => `${key}=${labels![key]}`);
  return pairs.length === 0 ? '<none>' : pairs.join(',');
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key,
 * set values sorted. Undefined means the selector is invalid ("<invalid>"
 * or "<error>" depending on the caller). Nil and empty selectors print "".
 */
export function labelSelectorString(selector: LabelSelector | undefined | null): string | undefined {
  if (!selector) return '';
  const requirements: Array<{ key: string; text: string }> = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push({ key, text: `${key}=${value}` });
  }
  for (const expression of listOf(selector.matchExpressions)) {
    const values = [...listOf(expression.values)].sort().join(',');
    switch (expression.operator) {
      case 'In':
        requirements.push({ key: expression.key, text: `${expression.key} in (${values})` });
        break;
      case 'NotIn':
        requirements.push({ key: expression.key, text: `${expression.key} notin (${values})` });
        break;
      case 'Exists':
        requirements.push({ key: expression.key, text: expression.key });
        break;
      case 'DoesNotExist':
        requirements.push({ key: expression.key, text: `!${expression.key}` });
        break;
      default:
        return undefined;
    }
  }
  // Stable sort by key only, as labels.ByKey does.
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return requirements.map((requirement) => requirement.text).join(',');
}

/** metav1.FormatLabelSelector: like labelSelectorString but "<none>" for an empty result. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const text = labelSelectorString(selector);
  if (text === undefined) return '<error>';
  return text === '' ? '<none>' : text;
}

export interface ContainerSpec {
  name?: string;
  image?: string;
  restartPolicy?: string;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: ContainerSpec[]; nodeSelector?: Record<string, string> };
}

/** layoutContainerCells: comma-joined container names and images of a pod template. */
export function containerCells(template: PodTemplate | undefined): [names: string, images: string] {
  const containers = listOf(template?.spec?.containers);
  return [containers.map((c) => c.name ?? '').join(','), containers.map((c) => c.image ?? '').join(',')];
}
