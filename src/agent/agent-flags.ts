// The node agent's host-level flags as the kubelet spells them:
// --system-reserved cpu=200m,memory=512Mi,ephemeral-storage=2Gi and
// --registry-mirror docker.io=127.0.0.1:5001 (repeatable), parsed into the
// options NodeAgent takes. Shared by `k8ts agent` and `k8ts server --agent`.
import { DEFAULT_RESERVATIONS, type Reservations } from './node/host-resources.js';
import { parseQuantity } from './resource-quantity.js';
import type { RegistryConfig } from './images/image-puller.js';
import type { AgentOptions } from './agent.js';

/** The host flags as commander hands them over, the same on `k8ts agent` and `k8ts server --agent`. */
export interface AgentHostFlags {
  maxPods?: number;
  podMaxPids?: number;
  systemReserved?: Reservations;
  registryMirror?: RegistryConfig['mirrors'];
  insecureRegistry?: string[];
}

/** What the host flags set in NodeAgent's options. */
export function agentHostOptions(flags: AgentHostFlags): Pick<AgentOptions, 'maxPods' | 'podPidsLimit' | 'reservations' | 'registries'> {
  return {
    maxPods: flags.maxPods, podPidsLimit: flags.podMaxPids, reservations: flags.systemReserved,
    registries: { mirrors: flags.registryMirror, insecure: flags.insecureRegistry },
  };
}

const RESERVATION_KEYS: Record<string, keyof Reservations> = { cpu: 'cpuMillis', memory: 'memoryBytes', 'ephemeral-storage': 'ephemeralStorageBytes' };

/** Reservations from `cpu=…,memory=…,ephemeral-storage=…`; resources left out keep their defaults. */
export function parseReservations(value: string): Reservations {
  const out: Reservations = { ...DEFAULT_RESERVATIONS };
  for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, quantity, extra] = pair.split('=');
    const key = name === undefined ? undefined : RESERVATION_KEYS[name];
    if (!key || quantity === undefined || extra !== undefined) throw new Error(`"${pair}": want cpu=<quantity>, memory=<quantity> or ephemeral-storage=<quantity>`);
    let amount: number;
    try {
      amount = parseQuantity(quantity);
    } catch (err) {
      throw new Error(`"${pair}": ${(err as Error).message}`);
    }
    if (amount < 0) throw new Error(`"${pair}": must not be negative`);
    out[key] = key === 'cpuMillis' ? Math.round(amount * 1000) : Math.round(amount);
  }
  return out;
}

/** Adds one `registry=mirror-host` to a mirror table (mirrors are tried in the order given, before the registry). */
export function addRegistryMirror(value: string, mirrors: NonNullable<RegistryConfig['mirrors']> = {}): NonNullable<RegistryConfig['mirrors']> {
  const match = /^([^=\s]+)=([^=\s]+)$/.exec(value.trim());
  if (!match) throw new Error(`"${value}": want <registry>=<mirror host[:port]>, e.g. docker.io=127.0.0.1:5001`);
  const [, registry, mirror] = match as unknown as [string, string, string];
  return { ...mirrors, [registry]: [...(mirrors[registry] ?? []), mirror] };
}
