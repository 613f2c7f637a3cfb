// The simple JSONPath subset CRDs use in additionalPrinterColumns and
// selectableFields: `.spec.replicas`, `.spec.items[0].name`,
// `.status.conditions[?(@.type=="Ready")].status`. Returns the first match.

type Step = { field: string } | { index: number } | { filterKey: string; filterValue: string };

export function parseJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  const source = path.trim().replace(/^\{/, '').replace(/\}$/, '').replace(/^\$/, '');
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\[\?\(@\.([^=!<>\s]+)\s*==\s*["']([^"']*)["']\)\]|\[["']([^"']+)["']\]/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = pattern.exec(source)) !== null) {
    consumed = pattern.lastIndex;
    if (match[1] !== undefined) steps.push({ field: match[1] });
    else if (match[2] !== undefined) steps.push({ index: Number(match[2]) });
    else if (match[3] !== undefined) steps.push({ filterKey: match[3], filterValue: match[4]! });
    else steps.push({ field: match[5]! });
  }
  if (consumed !== source.length) throw new Error(`unsupported JSONPath ${JSON.stringify(path)}`);
  return steps;
}

export function evaluateJsonPath(obj: unknown, steps: Step[]): unknown {
  let current: unknown = obj;
  for (const step of steps) {
    if (current === null || current === undefined) return undefined;
    if ('field' in step) {
      current = typeof current === 'object' && !Array.isArray(current) ? (current as Record<string, unknown>)[step.field] : undefined;
    } else if ('index' in step) {
      current = Array.isArray(current) ? current[step.index] : undefined;
    } else {
      current = Array.isArray(current)
        ? current.find((item) => item !== null && typeof item === 'object' && String((item as Record<string, unknown>)[step.filterKey]) === step.filterValue)
        : undefined;
    }
  }
  return current;
}
