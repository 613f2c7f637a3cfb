// Resource arithmetic for scheduling: quantities as plain numbers (millicores
// for cpu, bytes for everything else) and a pod's effective request, computed
// as Kubernetes' resourcehelper.PodRequests does: the sum of the containers,
// at least the largest init container (with restartable "sidecar" init
// containers counted as running alongside), plus the pod overhead.
import { parseQuantity, roundUp, type Quantity } from '../api/validation/quantity.js';

export type ResourceList = Record<string, string | number | undefined>;

/** What a pod asks for, or what a node has, in scheduler units. */
export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources (e.g. nvidia.com/gpu, hugepages-2Mi), in whole units. */
  scalar?: Map<string, number>;
}

/** Scoring counts a container without requests as asking for this much, so empty pods don't pile up on one node. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0 };
}

// Quantity strings repeat ("100m", "128Mi"): parsing them once keeps informer events cheap.
const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();
const MAX_CACHED = 10_000;

function toNumber(q: Quantity, extraScale: number): number {
  const rounded = roundUp(q, -extraScale);
  const exponent = rounded.scale + extraScale;
  return Number(rounded.mantissa) * 10 ** exponent;
}

function cached(cache: Map<string, number>, key: string, compute: () => number): number {
  let value = cache.get(key);
  if (value === undefined) {
    try {
      value = compute();
    } catch {
      value = 0;
    }
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, value);
  }
  return value;
}

/** A quantity in thousandths, rounded up (Quantity.MilliValue). */
export function milliValue(input: string | number | undefined): number {
  if (input === undefined) return 0;
  return cached(milliCache, String(input), () => toNumber(parseQuantity(input), 3));
}

/** A quantity in whole units, rounded up (Quantity.Value). */
export function wholeValue(input: string | number | undefined): number {
  if (input === undefined) return 0;
  return cached(valueCache, String(input), () => toNumber(parseQuantity(input), 0));
}

/** Resources that are not cpu/memory/ephemeral-storage/pods and so count as scalar (extended, hugepages). */
function isScalarResource(name: string): boolean {
  return name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && name !== 'pods' && name !== 'storage';
}

export function resourcesFromList(list: ResourceList | undefined): Resources {
  const out = emptyResources();
  if (!list) return out;
  for (const name in list) {
    const value = list[name];
    if (value === undefined) continue;
    if (name === 'cpu') out.milliCpu = milliValue(value);
    else if (name === 'memory') out.memory = wholeValue(value);
    else if (name === 'ephemeral-storage') out.ephemeralStorage = wholeValue(value);
    else if (isScalarResource(name)) (out.scalar ??= new Map()).set(name, wholeValue(value));
  }
  return out;
}

export function addInto(target: Resources, add: Resources, sign = 1): void {
  target.milliCpu += sign * add.milliCpu;
  target.memory += sign * add.memory;
  target.ephemeralStorage += sign * add.ephemeralStorage;
  if (add.scalar) {
    const scalar = (target.scalar ??= new Map());
    for (const [name, value] of add.scalar) scalar.set(name, (scalar.get(name) ?? 0) + sign * value);
  }
}

function maxInto(target: Resources, other: Resources): void {
  target.milliCpu = Math.max(target.milliCpu, other.milliCpu);
  target.memory = Math.max(target.memory, other.memory);
  target.ephemeralStorage = Math.max(target.ephemeralStorage, other.ephemeralStorage);
  if (other.scalar) {
    const scalar = (target.scalar ??= new Map());
    for (const [name, value] of other.scalar) scalar.set(name, Math.max(scalar.get(name) ?? 0, value));
  }
}

export function cloneResources(r: Resources): Resources {
  return { milliCpu: r.milliCpu, memory: r.memory, ephemeralStorage: r.ephemeralStorage, scalar: r.scalar ? new Map(r.scalar) : undefined };
}

export function isZeroRequest(r: Resources): boolean {
  if (r.milliCpu !== 0 || r.memory !== 0 || r.ephemeralStorage !== 0) return false;
  if (r.scalar) for (const v of r.scalar.values()) if (v !== 0) return false;
  return true;
}

export interface ContainerLike {
  name?: string;
  image?: string;
  restartPolicy?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
  ports?: { containerPort?: number; hostPort?: number; hostIP?: string; protocol?: string }[];
}

export interface PodSpecResources {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  overhead?: ResourceList;
}

/** A container's requests; as the API server defaults them, limits stand in for missing requests. */
function containerRequests(c: ContainerLike, nonZero: boolean): Resources {
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  const merged: ResourceList = { ...limits, ...requests };
  const r = resourcesFromList(merged);
  if (nonZero) {
    if (merged.cpu === undefined) r.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
    if (merged.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * The pod's effective request. With `nonZero`, containers missing a cpu or
 * memory request count the scoring defaults (NonMissingContainerRequests).
 */
export function podRequests(spec: PodSpecResources, nonZero = false): Resources {
  const total = emptyResources();
  for (const c of spec.containers ?? []) addInto(total, containerRequests(c, nonZero));
  // Sidecars (restartable init containers) keep running: each later init
  // container runs beside the sidecars started before it.
  const sidecars = emptyResources();
  const initPeak = emptyResources();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addInto(sidecars, r);
      maxInto(initPeak, sidecars);
    } else {
      const during = cloneResources(sidecars);
      addInto(during, r);
      maxInto(initPeak, during);
    }
  }
  addInto(total, sidecars);
  maxInto(total, initPeak);
  if (spec.overhead) addInto(total, resourcesFromList(spec.overhead));
  return total;
}
