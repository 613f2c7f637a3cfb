// The CNI network every pod on a node joins: a Linux bridge with host-local
// IPAM over the node's podCIDR and portmap for hostPorts, as a conflist the
// standard plugins read on stdin. (The pod's loopback is brought up with its
// network namespace, see PodNamespaces.)
export interface PodNetworkConfig {
  /** CNI network name; also names host-local's state directory. */
  name: string;
  bridge: string;
  podCidr: string;
  /** Where host-local keeps its allocations (per node, in the agent's data dir). */
  ipamDataDir: string;
  /** Masquerade traffic leaving the pod network (off keeps pods to the node). */
  ipMasq: boolean;
}

export const CNI_VERSION = '1.0.0';

export interface CniPluginConf {
  type: string;
  [key: string]: unknown;
}

export interface CniConfList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

export function bridgeConfList(cfg: PodNetworkConfig): CniConfList {
  return {
    cniVersion: CNI_VERSION,
    name: cfg.name,
    plugins: [
      {
        type: 'bridge',
        bridge: cfg.bridge,
        isGateway: true,
        ipMasq: cfg.ipMasq,
        // Hairpin lets a pod reach itself through its own hostPort.
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: cfg.podCidr }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: cfg.ipamDataDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

/**
 * The configuration one plugin of a list is invoked with: list name and
 * version, the previous plugin's result (CHECK/DEL and chained ADD), and
 * runtimeConfig for the capabilities it declares.
 */
export function pluginInvocationConf(list: CniConfList, plugin: CniPluginConf, prevResult: unknown, runtime: { portMappings?: PortMapping[] }): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  const caps = (plugin.capabilities ?? {}) as Record<string, boolean>;
  const runtimeConfig: Record<string, unknown> = {};
  if (caps.portMappings && runtime.portMappings?.length) runtimeConfig.portMappings = runtime.portMappings;
  if (Object.keys(runtimeConfig).length) conf.runtimeConfig = runtimeConfig;
  delete conf.capabilities;
  if (prevResult !== undefined) conf.prevResult = prevResult;
  return conf;
}

/** The n-th /24 (or other size) subnet of a cluster CIDR: each node's podCIDR. */
export function nthSubnet(clusterCidr: string, prefixLength: number, n: number): string {
  const [base, bitsText] = clusterCidr.split('/');
  const bits = Number(bitsText);
  if (!base || !(bits >= 0 && bits <= prefixLength && prefixLength <= 32)) throw new Error(`cannot carve /${prefixLength} subnets from ${clusterCidr}`);
  const count = 2 ** (prefixLength - bits);
  if (n < 0 || n >= count) throw new Error(`cluster CIDR ${clusterCidr} has only ${count} /${prefixLength} subnets`);
  const start = (ipToInt(base) & maskBits(bits)) >>> 0;
  return `${intToIp((start + n * 2 ** (32 - prefixLength)) >>> 0)}/${prefixLength}`;
}

function maskBits(bits: number): number {
  return bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
