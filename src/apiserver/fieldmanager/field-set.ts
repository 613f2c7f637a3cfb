// Sets of field paths in the fieldsV1 format Kubernetes' managedFields use
// (sigs.k8s.io/structured-merge-diff's fieldpath.Set): a trie whose edges
// are path elements, `f:name` for a field, `k:{"name":"x"}` for a list-map
// item, `v:"value"` for a set item, `i:0` for an atomic list's position;
// `.` marks a node that is itself a member while it has members below.

export class FieldSet {
  private member = false;
  private readonly children = new Map<string, FieldSet>();

  static fromFieldsV1(json: unknown): FieldSet {
    const set = new FieldSet();
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return set;
    for (const [key, value] of Object.entries(json)) {
      if (key === '.') {
        set.member = true;
        continue;
      }
      const child = FieldSet.fromFieldsV1(value);
      if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) child.member = true;
      set.children.set(key, child);
    }
    return set;
  }

  /** The fieldsV1 JSON, keys sorted as Kubernetes serialises them. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const key of [...this.children.keys()].sort()) out[key] = this.children.get(key)!.toFieldsV1();
    return out;
  }

  insert(path: readonly string[]): void {
    let node: FieldSet = this;
    for (const element of path) {
      let next = node.children.get(element);
      if (!next) {
        next = new FieldSet();
        node.children.set(element, next);
      }
      node = next;
    }
    node.member = true;
  }

  has(path: readonly string[]): boolean {
    const node = this.node(path);
    return node?.member === true;
  }

  child(element: string): FieldSet | undefined {
    return this.children.get(element);
  }

  entries(): [string, FieldSet][] {
    return [...this.children.entries()];
  }

  /** Whether this node itself (the path leading to it) is in the set. */
  isMember(): boolean {
    return this.member;
  }

  private node(path: readonly string[]): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const element of path) node = node?.children.get(element);
    return node;
  }

  isEmpty(): boolean {
    return !this.member && [...this.children.values()].every((c) => c.isEmpty());
  }

  /** Every member path, parents before children. */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    if (this.member && prefix.length > 0) out.push(prefix);
    for (const [key, child] of this.children) out.push(...child.paths([...prefix, key]));
    return out;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    for (const path of other.paths()) out.insert(path);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const path of this.paths()) if (!other.has(path)) out.insert(path);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const path of this.paths()) if (other.has(path)) out.insert(path);
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    for (const path of this.paths()) out.insert(path);
    return out;
  }
}

/** `f:name`. */
export function fieldElement(name: string): string {
  return `f:${name}`;
}

/** `k:{"name":"x"}` with the key fields sorted, as structured-merge-diff writes them. */
export function keyElement(fields: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.keys(fields).sort().map((k) => [k, fields[k]]));
  return `k:${JSON.stringify(sorted)}`;
}

/** `v:"value"`. */
export function valueElement(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

export function indexElement(index: number): string {
  return `i:${index}`;
}

/** A path as conflict messages print it: `.spec.replicas`, `.spec.containers[name="nginx"].image`, `.spec.tags[="a"]`. */
export function formatPath(path: readonly string[]): string {
  return path.map((element) => {
    const body = element.slice(2);
    switch (element[0]) {
      case 'f':
        return `.${body}`;
      case 'k': {
        const fields = JSON.parse(body) as Record<string, unknown>;
        return `[${Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      }
      case 'v':
        return `[=${body}]`;
      default:
        return `[${body}]`;
    }
  }).join('');
}
