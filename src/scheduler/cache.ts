// The scheduler's view of the cluster, kept incrementally from informer
// events as kube-scheduler's cache is: NodeInfo aggregates per node, pods
// assumed on a node while their binding is in flight, and indexes that make
// inter-pod terms cheap — per-selector pod counts by node, and the required
// and preferred terms of existing pods grouped by identical term — so one
// scheduling attempt costs O(nodes), not O(pods).
import type { KubeObject } from '../api/types.js';
import { LABEL_ZONE } from './api-types.js';
import { NodeInfo } from './node-info.js';
import type { AffinityTerm, PodInfo } from './pod-info.js';
import { selectsPod, usesNamespaceLabels, type PodSelector } from './pod-selector.js';

/** Existing pods' terms of one kind, grouped by identical term. */
export interface OwnedTermGroup {
  readonly term: AffinityTerm;
  /** Node name -> summed weight of the owning pods on it (1 per pod for required terms). */
  readonly perNode: Map<string, number>;
}

export type OwnedTermKind = 'requiredAffinity' | 'requiredAntiAffinity' | 'preferredAffinity' | 'preferredAntiAffinity';

const OWNED_KINDS: readonly OwnedTermKind[] = ['requiredAffinity', 'requiredAntiAffinity', 'preferredAffinity', 'preferredAntiAffinity'];

interface Counter {
  readonly selector: PodSelector;
  readonly perNode: Map<string, number>;
  /** A `key=value` label every pod it counts must carry, or undefined when there is none. */
  readonly requiredLabel: string | undefined;
  lastUsed: number;
}

/** Counters kept at once; selectors unused for longest are dropped and rebuilt on demand. */
const MAX_COUNTERS = 1024;

/** A label a selector cannot match without (an `In` with one value), so a pod lacking it can skip the counter. */
function requiredLabelOf(selector: PodSelector): string | undefined {
  for (const req of selector.selector ?? []) if (req.operator === 'In' && req.values.length === 1) return `${req.key}=${req.values[0]}`;
  return undefined;
}

export class SchedulerCache {
  private readonly nodeInfos = new Map<string, NodeInfo>();
  private nodeOrder: NodeInfo[] = [];
  private nodeOrderStale = false;
  private nodesWithObject = 0;
  /** Pod key -> the node it is bound (or assumed) to. */
  private readonly podNodes = new Map<string, string>();
  private readonly assumed = new Set<string>();
  private readonly counters = new Map<string, Counter>();
  /** Counters by their required label, and those without one: a pod event only visits counters it could match. */
  private readonly countersByLabel = new Map<string, Set<Counter>>();
  private readonly countersWithoutLabel = new Set<Counter>();
  private counterClock = 0;
  /** topologyKey -> value -> number of nodes carrying it, for the keys asked about. */
  private readonly domainIndex = new Map<string, Map<string, number>>();
  private readonly owned: Record<OwnedTermKind, Map<string, OwnedTermGroup>> = {
    requiredAffinity: new Map(), requiredAntiAffinity: new Map(), preferredAffinity: new Map(), preferredAntiAffinity: new Map(),
  };
  private readonly namespaceLabelMap = new Map<string, Record<string, string>>();
  /** Image name -> how many nodes have it (ImageLocality's spread factor). */
  readonly imageNodeCounts = new Map<string, number>();
  private nodesWithPreferNoSchedule = 0;
  /** Pods nominated to a node by preemption, waiting for their victims to leave. */
  private readonly nominated = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNodeOf = new Map<string, string>();

  readonly nsLabels = (namespace: string): Record<string, string> | undefined => this.namespaceLabelMap.get(namespace);

  // ---- nodes ----

  /** Schedulable node candidates (those with a Node object), interleaved by zone as kube's node tree lists them. */
  nodes(): readonly NodeInfo[] {
    if (this.nodeOrderStale) this.rebuildNodeOrder();
    return this.nodeOrder;
  }

  get nodeCount(): number {
    return this.nodesWithObject;
  }

  node(name: string): NodeInfo | undefined {
    const info = this.nodeInfos.get(name);
    return info?.node ? info : undefined;
  }

  get anyPreferNoScheduleTaints(): boolean {
    return this.nodesWithPreferNoSchedule > 0;
  }

  setNode(obj: KubeObject): void {
    const name = obj.metadata.name!;
    let info = this.nodeInfos.get(name);
    if (!info) this.nodeInfos.set(name, (info = new NodeInfo(name)));
    if (info.node) this.forgetNodeFacts(info);
    else this.nodesWithObject++;
    const zoneBefore = info.labels[LABEL_ZONE];
    const hadNode = info.node !== undefined;
    info.setNode(obj);
    this.indexDomains(info, 1);
    for (const image of info.images.keys()) this.imageNodeCounts.set(image, (this.imageNodeCounts.get(image) ?? 0) + 1);
    if (info.preferNoScheduleTaints.length > 0) this.nodesWithPreferNoSchedule++;
    if (!hadNode || zoneBefore !== info.labels[LABEL_ZONE]) this.nodeOrderStale = true;
  }

  removeNode(name: string): void {
    const info = this.nodeInfos.get(name);
    if (!info?.node) return;
    this.forgetNodeFacts(info);
    info.node = undefined;
    this.nodesWithObject--;
    this.nodeOrderStale = true;
    // Pods still bound to a deleted node keep counting until they go, as kube's cache does.
    if (info.pods.size === 0) this.nodeInfos.delete(name);
  }

  private forgetNodeFacts(info: NodeInfo): void {
    this.indexDomains(info, -1);
    for (const image of info.images.keys()) {
      const n = (this.imageNodeCounts.get(image) ?? 0) - 1;
      if (n <= 0) this.imageNodeCounts.delete(image);
      else this.imageNodeCounts.set(image, n);
    }
    if (info.preferNoScheduleTaints.length > 0) this.nodesWithPreferNoSchedule--;
  }

  private rebuildNodeOrder(): void {
    const zones = new Map<string, NodeInfo[]>();
    for (const info of this.nodeInfos.values()) {
      if (!info.node) continue;
      const zone = info.labels[LABEL_ZONE] ?? '';
      let list = zones.get(zone);
      if (!list) zones.set(zone, (list = []));
      list.push(info);
    }
    const lists = [...zones.values()];
    const order: NodeInfo[] = [];
    for (let i = 0; order.length < this.nodesWithObject; i++) {
      for (const list of lists) if (i < list.length) order.push(list[i]);
    }
    this.nodeOrder = order;
    this.nodeOrderStale = false;
  }

  // ---- namespaces ----

  setNamespace(obj: KubeObject): void {
    const name = obj.metadata.name!;
    const labels = obj.metadata.labels ?? {};
    const before = this.namespaceLabelMap.get(name);
    this.namespaceLabelMap.set(name, labels);
    if (before && JSON.stringify(before) !== JSON.stringify(labels)) this.dropNamespaceSelectorCounters();
  }

  removeNamespace(name: string): void {
    if (this.namespaceLabelMap.delete(name)) this.dropNamespaceSelectorCounters();
  }

  private dropNamespaceSelectorCounters(): void {
    for (const counter of [...this.counters.values()]) if (usesNamespaceLabels(counter.selector)) this.deleteCounter(counter);
  }

  // ---- pods ----

  /** Adds or replaces a pod bound to a node (confirming an assumed one). */
  addPod(pod: PodInfo): void {
    if (!pod.nodeName) return;
    this.removePod(pod.key);
    if (pod.terminal) return;
    this.place(pod, pod.nodeName);
  }

  removePod(key: string): PodInfo | undefined {
    const nodeName = this.podNodes.get(key);
    if (nodeName === undefined) return undefined;
    this.podNodes.delete(key);
    this.assumed.delete(key);
    const info = this.nodeInfos.get(nodeName)!;
    const pod = info.removePod(key)!;
    this.account(pod, nodeName, -1);
    if (!info.node && info.pods.size === 0) this.nodeInfos.delete(nodeName);
    return pod;
  }

  /** Counts a pod on the node it is being bound to, before the API confirms it. */
  assumePod(pod: PodInfo, nodeName: string): void {
    this.removePod(pod.key);
    this.place({ ...pod, nodeName }, nodeName);
    this.assumed.add(pod.key);
  }

  /** Undoes assumePod after a failed binding. */
  forgetPod(key: string): void {
    if (this.assumed.has(key)) this.removePod(key);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  isPlaced(key: string): boolean {
    return this.podNodes.has(key);
  }

  private place(pod: PodInfo, nodeName: string): void {
    let info = this.nodeInfos.get(nodeName);
    if (!info) this.nodeInfos.set(nodeName, (info = new NodeInfo(nodeName)));
    info.addPod(pod);
    this.podNodes.set(pod.key, nodeName);
    this.account(pod, nodeName, 1);
  }

  private account(pod: PodInfo, nodeName: string, sign: 1 | -1): void {
    for (const counter of this.countersWithoutLabel) {
      if (selectsPod(counter.selector, pod, this.nsLabels)) bump(counter.perNode, nodeName, sign);
    }
    if (this.countersByLabel.size > 0 && pod.labels) {
      for (const key in pod.labels) {
        const counters = this.countersByLabel.get(`${key}=${pod.labels[key]}`);
        if (!counters) continue;
        for (const counter of counters) if (selectsPod(counter.selector, pod, this.nsLabels)) bump(counter.perNode, nodeName, sign);
      }
    }
    for (const kind of OWNED_KINDS) {
      const terms = pod[kind];
      if (terms.length === 0) continue;
      const groups = this.owned[kind];
      for (const term of terms) {
        const sig = `${term.selector.signature}|${term.topologyKey}`;
        let group = groups.get(sig);
        if (!group) {
          if (sign < 0) continue;
          groups.set(sig, (group = { term, perNode: new Map() }));
        }
        bump(group.perNode, nodeName, sign * term.weight);
        if (group.perNode.size === 0) groups.delete(sig);
      }
    }
  }

  // ---- indexes ----

  /** Node name -> number of placed pods the selector matches; kept up to date from here on. */
  podCounts(selector: PodSelector): ReadonlyMap<string, number> {
    let counter = this.counters.get(selector.signature);
    if (!counter) {
      counter = { selector, perNode: new Map(), requiredLabel: requiredLabelOf(selector), lastUsed: 0 };
      for (const info of this.nodeInfos.values()) {
        let n = 0;
        for (const pod of info.pods.values()) if (selectsPod(selector, pod, this.nsLabels)) n++;
        if (n > 0) counter.perNode.set(info.name, n);
      }
      if (this.counters.size >= MAX_COUNTERS) this.evictCounter();
      this.addCounter(counter);
    }
    counter.lastUsed = ++this.counterClock;
    return counter.perNode;
  }

  private addCounter(counter: Counter): void {
    this.counters.set(counter.selector.signature, counter);
    if (counter.requiredLabel === undefined) {
      this.countersWithoutLabel.add(counter);
      return;
    }
    let set = this.countersByLabel.get(counter.requiredLabel);
    if (!set) this.countersByLabel.set(counter.requiredLabel, (set = new Set()));
    set.add(counter);
  }

  private deleteCounter(counter: Counter): void {
    this.counters.delete(counter.selector.signature);
    if (counter.requiredLabel === undefined) {
      this.countersWithoutLabel.delete(counter);
      return;
    }
    const set = this.countersByLabel.get(counter.requiredLabel);
    set?.delete(counter);
    if (set?.size === 0) this.countersByLabel.delete(counter.requiredLabel);
  }

  private evictCounter(): void {
    let oldest: Counter | undefined;
    for (const c of this.counters.values()) if (!oldest || c.lastUsed < oldest.lastUsed) oldest = c;
    if (oldest) this.deleteCounter(oldest);
  }

  /** Value -> number of nodes labelled with it, for one topology key; kept up to date from here on. */
  topologyDomains(key: string): ReadonlyMap<string, number> {
    let domains = this.domainIndex.get(key);
    if (!domains) {
      domains = new Map();
      for (const info of this.nodeInfos.values()) {
        const value = info.node ? info.labels[key] : undefined;
        if (value !== undefined) domains.set(value, (domains.get(value) ?? 0) + 1);
      }
      this.domainIndex.set(key, domains);
    }
    return domains;
  }

  private indexDomains(info: NodeInfo, sign: 1 | -1): void {
    for (const [key, domains] of this.domainIndex) {
      const value = info.labels[key];
      if (value !== undefined) bump(domains, value, sign);
    }
  }

  ownedTerms(kind: OwnedTermKind): ReadonlyMap<string, OwnedTermGroup> {
    return this.owned[kind];
  }

  // ---- nominations ----

  nominate(pod: PodInfo, nodeName: string): void {
    this.clearNomination(pod.key);
    let pods = this.nominated.get(nodeName);
    if (!pods) this.nominated.set(nodeName, (pods = new Map()));
    pods.set(pod.key, pod);
    this.nominatedNodeOf.set(pod.key, nodeName);
  }

  clearNomination(key: string): void {
    const nodeName = this.nominatedNodeOf.get(key);
    if (nodeName === undefined) return;
    this.nominatedNodeOf.delete(key);
    const pods = this.nominated.get(nodeName)!;
    pods.delete(key);
    if (pods.size === 0) this.nominated.delete(nodeName);
  }

  get hasNominations(): boolean {
    return this.nominated.size > 0;
  }

  nominatedPods(nodeName: string): Iterable<PodInfo> {
    return this.nominated.get(nodeName)?.values() ?? [];
  }

  nominatedNode(key: string): string | undefined {
    return this.nominatedNodeOf.get(key);
  }
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next === 0) map.delete(key);
  else map.set(key, next);
}
