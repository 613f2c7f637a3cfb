// `k8ts agent`: a node agent on its own, joining a remote k8ts server over
// HTTPS with the cluster token (which the server also presents when it calls
// back for logs and exec).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HttpsClient } from '../client/https-client.js';
import { TimingWheel } from '../time/timing-wheel.js';
import { NodeAgent } from './agent.js';
import { agentHostOptions, type AgentHostFlags } from './agent-flags.js';

export interface AgentCommandOptions extends AgentHostFlags {
  server: string;
  token: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
  nodeName?: string;
  dataDir: string;
  hostIp?: string;
  bridgeName?: string;
  cgroupRoot?: string;
  clusterCidr?: string;
  port?: number;
}

export interface RunningAgent {
  agent: NodeAgent;
  /** Stops the agent (containers keep running) and closes the client. */
  stop(): Promise<void>;
}

export async function runAgent(opts: AgentCommandOptions, log: (line: string) => void): Promise<RunningAgent> {
  if (!opts.caFile && !opts.insecureSkipTlsVerify) throw new Error('--ca-file or --insecure-skip-tls-verify is required to trust the server');
  const wheel = new TimingWheel();
  const client = new HttpsClient({
    server: opts.server,
    token: opts.token,
    caPem: opts.caFile ? readFileSync(opts.caFile, 'utf8') : undefined,
    insecureSkipTlsVerify: opts.insecureSkipTlsVerify === true,
    wheel,
  });
  const agent = new NodeAgent({
    client, wheel, token: opts.token, dataDir: resolve(opts.dataDir), nodeName: opts.nodeName, hostIp: opts.hostIp,
    bridgeName: opts.bridgeName, cgroupRoot: opts.cgroupRoot, clusterCidr: opts.clusterCidr, port: opts.port,
    ...agentHostOptions(opts), log: (fields) => log(JSON.stringify(fields)),
  });
  try {
    await agent.start();
  } catch (err) {
    await agent.stop();
    client.close();
    wheel.close();
    throw err;
  }
  return {
    agent,
    async stop() {
      await agent.stop();
      client.close();
      wheel.close();
    },
  };
}
