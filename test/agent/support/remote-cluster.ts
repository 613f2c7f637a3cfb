// A `k8ts server` process that runs no agent, a `k8ts agent` process joining
// it over HTTPS with the cluster token, and a registry on loopback holding a
// busybox image: the setup of the agent e2e files that need an agent they can
// kill and restart. close() tears it all down and sweeps the host even when
// a test failed midway.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeconfig } from '../../../src/client/kubeconfig.js';
import { Kubectl, startServer, type ServerProcess } from '../../e2e/harness.js';
import { buildBusyboxLayout, pushLayout, startRegistry, type TestRegistry } from './registry.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';
import { sweepHost } from './host-sweep.js';

export interface RemoteCluster {
  readonly work: string;
  readonly node: string;
  readonly registry: TestRegistry;
  /** The busybox image in the registry. */
  readonly image: string;
  /** The OCI layout it was pushed from. */
  readonly layout: string;
  readonly kubectl: Kubectl;
  readonly agentArgs: string[];
  /** The agent's runc --root, to inspect containers from the host. */
  readonly runcRoot: string;
  readonly cgroupRoot: string;
  readonly bridge: string;
  server: ServerProcess;
  agent: AgentProcess | undefined;
  close(): Promise<void>;
}

export async function startRemoteCluster(opts: { name: string; clusterCidr: string; agentArgs?: (registryHost: string) => string[] }): Promise<RemoteCluster> {
  assert.equal(process.getuid?.(), 0, 'agent e2e tests need root');
  const work = mkdtempSync(join(tmpdir(), `k8ts-${opts.name}-`));
  const bridge = `k8${opts.name.slice(0, 3)}${process.pid % 100_000}`;
  const cgroupRoot = `k8ts-${opts.name}-${process.pid}`;
  const runcRoot = join(work, 'agent/run/runc');
  let registry: TestRegistry | undefined;
  let server: ServerProcess | undefined;
  let kubectl: Kubectl | undefined;
  const cluster: Partial<RemoteCluster> & { agent: AgentProcess | undefined } = { work, node: opts.name, runcRoot, cgroupRoot, bridge, agent: undefined };
  const close = async () => {
    // While the agent still runs, deleting the pods tears them down through it (CNI DEL and all).
    if (kubectl && cluster.agent?.child.exitCode === null) await kubectl.run(['delete', 'pods', '--all', '--wait=true', '--timeout=30s']).catch(() => undefined);
    await cluster.agent?.stop();
    await sweepHost({ workDir: work, runcRoots: [runcRoot], cgroupRoot, bridgeName: bridge });
    await cluster.server?.stop();
    kubectl?.cleanup();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    registry = await startRegistry();
    const layout = await buildBusyboxLayout(work);
    await pushLayout(layout, registry.host, 'busybox:1');
    // SQLite (the default store), so the server can be restarted on the same data dir mid-test.
    server = await startServer({ dataDir: join(work, 'server') });
    kubectl = new Kubectl(server.kubeconfig);
    const access = loadKubeconfig(server.kubeconfig);
    writeFileSync(join(work, 'ca.pem'), access.caPem!);
    const agentArgs = ['--server', server.url, '--token', access.token!, '--ca-file', join(work, 'ca.pem'), '--node-name', opts.name, '--data-dir', join(work, 'agent'),
      '--host-ip', '127.0.0.1', '--port', '0', '--bridge-name', bridge, '--cgroup-root', cgroupRoot, '--cluster-cidr', opts.clusterCidr,
      ...(opts.agentArgs?.(registry.host) ?? [])];
    Object.assign(cluster, { registry, image: `${registry.host}/busybox:1`, layout, kubectl, agentArgs, server });
    cluster.close = close;
    cluster.agent = await startAgentProcess(agentArgs);
    return cluster as RemoteCluster;
  } catch (err) {
    cluster.server = server;
    await close();
    throw err;
  }
}
