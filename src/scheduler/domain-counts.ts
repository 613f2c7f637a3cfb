// Counts (or summed weights) per topology domain: topologyKey -> value -> n.
// Inter-pod affinity and topology spread both reduce per-node counts to this.
export class DomainCounts {
  private readonly byKey = new Map<string, Map<string, number>>();
  private sum = 0;

  add(key: string, value: string, n: number): void {
    let values = this.byKey.get(key);
    if (!values) this.byKey.set(key, (values = new Map()));
    values.set(value, (values.get(value) ?? 0) + n);
    this.sum += n;
  }

  get(key: string, value: string | undefined): number {
    if (value === undefined) return 0;
    return this.byKey.get(key)?.get(value) ?? 0;
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  /** Whether nothing was ever counted (all adds cancel out to zero too). */
  get total(): number {
    return this.sum;
  }

  get size(): number {
    return this.byKey.size;
  }

  clone(): DomainCounts {
    const copy = new DomainCounts();
    for (const [key, values] of this.byKey) copy.byKey.set(key, new Map(values));
    copy.sum = this.sum;
    return copy;
  }
}
