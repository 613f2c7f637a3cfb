// Runs the node's CNI plugin list (bridge+portmap) for a pod, passing each
// plugin's result to the next. ADD results are kept on disk so DEL (even
// after an agent restart) gets the same prevResult the plugins expect.
// Each plugin is a process start (a Go runtime, ~10-25 ms of CPU): plugins
// with nothing to do are not run (portmap without port mappings), and the
// pod's loopback interface is brought up by PodNamespaces when it creates
// the network namespace rather than by the loopback plugin.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../exec-file.js';
import { pluginInvocationConf, type CniConfList, type CniPluginConf, type PortMapping } from './cni-config.js';

export class CniError extends Error {}

export interface CniResult {
  ips?: { address: string; gateway?: string; interface?: number }[];
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
}

export interface PodAttachment {
  podUid: string;
  /** The pod's network namespace file. */
  netns: string;
  portMappings?: PortMapping[];
  /** CNI_ARGS, as the kubelet passes them. */
  podNamespace: string;
  podName: string;
}

const IFNAME = 'eth0';

export class CniNetwork {
  constructor(
    private readonly list: CniConfList,
    private readonly pluginDirs: string[],
    private readonly stateDir: string,
  ) {
    mkdirSync(stateDir, { recursive: true });
  }

  /** Attaches the pod; returns its IPv4 address (without prefix length). */
  async add(att: PodAttachment): Promise<string> {
    let prev: unknown;
    for (const plugin of this.list.plugins) {
      if (idle(plugin, att.portMappings)) continue;
      prev = await this.invoke('ADD', pluginInvocationConf(this.list, plugin, prev, { portMappings: att.portMappings }), att);
    }
    writeFileSync(this.resultPath(att.podUid), JSON.stringify({ result: prev, portMappings: att.portMappings ?? [], netns: att.netns, podNamespace: att.podNamespace, podName: att.podName }));
    const ip = (prev as CniResult | undefined)?.ips?.[0]?.address?.split('/')[0];
    if (!ip) throw new CniError('CNI ADD returned no IP address');
    return ip;
  }

  /** The pod's IP from the stored ADD result, if it is attached. */
  ipOf(podUid: string): string | undefined {
    if (!existsSync(this.resultPath(podUid))) return undefined;
    const saved = JSON.parse(readFileSync(this.resultPath(podUid), 'utf8')) as { result?: CniResult };
    return saved.result?.ips?.[0]?.address?.split('/')[0];
  }

  /** Detaches the pod (plugins in reverse order); safe to repeat. */
  async del(podUid: string, netnsIfKnown?: string): Promise<void> {
    const path = this.resultPath(podUid);
    const saved = existsSync(path)
      ? (JSON.parse(readFileSync(path, 'utf8')) as { result?: unknown; portMappings: PortMapping[]; netns: string; podNamespace: string; podName: string })
      : undefined;
    const att: PodAttachment = { podUid, netns: saved?.netns ?? netnsIfKnown ?? '', portMappings: saved?.portMappings, podNamespace: saved?.podNamespace ?? '', podName: saved?.podName ?? '' };
    // DEL must succeed even when the namespace is already gone; plugins accept an empty CNI_NETNS.
    if (att.netns && !existsSync(att.netns)) att.netns = '';
    for (const plugin of [...this.list.plugins].reverse()) {
      // Skipped at ADD (the saved attachment says so), it has nothing to undo; without a record it runs, to be safe.
      if (saved && idle(plugin, saved.portMappings)) continue;
      await this.invoke('DEL', pluginInvocationConf(this.list, plugin, saved?.result, { portMappings: att.portMappings }), att);
    }
    rmSync(path, { force: true });
  }

  private resultPath(podUid: string): string {
    return join(this.stateDir, `${podUid}.json`);
  }

  private pluginPath(type: string): string {
    for (const dir of this.pluginDirs) {
      const p = join(dir, type);
      if (existsSync(p)) return p;
    }
    throw new CniError(`CNI plugin "${type}" not found in ${this.pluginDirs.join(', ')} (install containernetworking-plugins)`);
  }

  private async invoke(command: 'ADD' | 'DEL', conf: Record<string, unknown>, att: PodAttachment & { ifname?: string }): Promise<unknown> {
    const plugin = this.pluginPath(conf.type as string);
    const env = {
      CNI_COMMAND: command,
      CNI_CONTAINERID: att.podUid,
      CNI_NETNS: att.netns,
      CNI_IFNAME: att.ifname ?? IFNAME,
      CNI_PATH: this.pluginDirs.join(':'),
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${att.podNamespace};K8S_POD_NAME=${att.podName};K8S_POD_INFRA_CONTAINER_ID=${att.podUid}`,
    };
    const r = await runTool(plugin, [], { env, input: JSON.stringify(conf), allowFailure: true });
    if (r.code === 0) return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
    let msg = r.stderr.trim() || r.stdout.trim();
    try {
      const doc = JSON.parse(r.stdout) as { msg?: string; details?: string };
      msg = [doc.msg, doc.details].filter(Boolean).join(': ');
    } catch {
      // Plain-text failure.
    }
    throw new CniError(`CNI plugin ${conf.type} ${command} failed: ${msg}`);
  }
}

/**
 * A plugin whose only job is port mappings, for a pod without any: portmap's
 * ADD then returns prevResult unchanged and creates no rules, so running it
 * would only cost a fork and a Go process start per pod.
 */
function idle(plugin: CniPluginConf, portMappings: PortMapping[] | undefined): boolean {
  return plugin.type === 'portmap' && !portMappings?.length;
}

export const DEFAULT_CNI_PLUGIN_DIRS = ['/opt/cni/bin', '/usr/lib/cni', '/usr/libexec/cni'];
