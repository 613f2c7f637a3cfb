// The `k8ts` command. Each subcommand imports its implementation when it
// runs: `k8ts agent` on a node must not load the API server (schemas,
// OpenAPI, protobuf descriptors, store, controllers), which would cost it
// tens of MB of RSS and make every fork of the agent dearer.
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { K8TS_VERSION, SERVER_VERSION } from '../version.js';
import { addRegistryMirror, agentHostOptions, parseReservations, type AgentHostFlags } from '../agent/agent-flags.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return port;
}

/** A duration as Kubernetes flags take it: 15s, 300ms, 1.5m. */
function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  if (!match) throw new InvalidArgumentError('must be a duration such as 15s, 500ms or 1m');
  const unitMs = { ms: 1, s: 1_000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
  return Number(match[1]) * unitMs;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

/** Turns a parser's Error into commander's InvalidArgumentError, so the user sees `error: option '…' argument '…' is invalid. <why>`. */
function flagParser<A extends unknown[], T>(parse: (value: string, ...rest: A) => T): (value: string, ...rest: A) => T {
  return (value, ...rest) => {
    try {
      return parse(value, ...rest);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

function withAgentHostOptions(cmd: Command): Command {
  return cmd
    .option('--max-pods <count>', 'pods this node takes', parseCount, 110)
    .option('--pod-max-pids <count>', 'pids limit of each container (0: none)', parseCount, 0)
    .option('--system-reserved <list>', 'taken off capacity for allocatable: cpu=100m,memory=256Mi,ephemeral-storage=1Gi (the defaults)', flagParser(parseReservations))
    .option('--registry-mirror <registry=host>', 'try this mirror before the registry (repeatable), e.g. docker.io=127.0.0.1:5001', (v: string, prev?: Record<string, string[]>) => flagParser(addRegistryMirror)(v, prev))
    .option('--insecure-registry <host>', 'speak plain HTTP to this registry (repeatable; loopback ones always may)', (v: string, prev: string[] = []) => [...prev, v]);
}

const program = new Command();
program.name('k8ts').description('A Kubernetes-compatible orchestrator: one npm install, one command, the real kubectl.');

withAgentHostOptions(program
  .command('server'))
  .description('run the API server (and, as they land, scheduler, controllers and a node agent) in one process')
  .option('--data-dir <dir>', 'where the store, PKI and admin kubeconfig live', '.k8ts')
  .option('--port <port>', 'HTTPS port (0 picks a free one)', parsePort, 6443)
  .option('--bind-address <ip>', 'address to listen on; loopback unless told otherwise', '127.0.0.1')
  .option('--store <backend>', 'sqlite (default) or memory', 'sqlite')
  // kube-controller-manager's flags, for the Lease that decides which replica runs the controllers.
  .option('--leader-elect-lease-duration <duration>', 'how long others wait before taking over from a silent leader', parseDuration, 15_000)
  .option('--leader-elect-renew-deadline <duration>', 'how long the leader keeps leading without a successful renewal', parseDuration, 10_000)
  .option('--leader-elect-retry-period <duration>', 'pause between attempts to acquire or renew', parseDuration, 2_000)
  .option('--agent', 'also run a node agent for this host (needs root, runc and the CNI plugins)')
  .option('--no-agent', 'run no node agent (the default for now)')
  .option('--node-monitor-grace-period <duration>', 'how long a node Lease may go unrenewed before the node is marked Unknown', parseDuration, 40_000)
  .option('--simulated-nodes <count>', 'run this many simulated nodes (they run nothing; change kube-system/k8ts-simulated-nodes data.count to resize)', parseCount)
  .action(async (opts: AgentHostFlags & {
    nodeMonitorGracePeriod: number;
    simulatedNodes?: number;
    agent?: boolean;
    dataDir: string;
    port: number;
    bindAddress: string;
    store: string;
    leaderElectLeaseDuration: number;
    leaderElectRenewDeadline: number;
    leaderElectRetryPeriod: number;
  }) => {
    if (opts.store !== 'sqlite' && opts.store !== 'memory') {
      console.error(`k8ts: unknown store backend "${opts.store}" (want sqlite or memory)`);
      process.exit(2);
    }
    const { startServer } = await import('../server/k8ts-server.js');
    const { StartupError } = await import('../server/data-dir.js');
    try {
      const server = await startServer({
        dataDir: opts.dataDir,
        port: opts.port,
        bindAddress: opts.bindAddress,
        storeBackend: opts.store,
        agent: opts.agent === true && agentHostOptions(opts),
        nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriod,
        simulatedNodes: opts.simulatedNodes,
        leaderElection: {
          leaseDurationMs: opts.leaderElectLeaseDuration,
          renewDeadlineMs: opts.leaderElectRenewDeadline,
          retryPeriodMs: opts.leaderElectRetryPeriod,
        },
        log: (line) => console.log(line),
      });
      const shutdown = (signal: string) => {
        console.log(JSON.stringify({ level: 'info', msg: 'shutting down', signal }));
        server.close().then(() => process.exit(0), (err) => {
          console.error(`k8ts: shutdown failed: ${(err as Error).message}`);
          process.exit(1);
        });
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    } catch (err) {
      if (err instanceof StartupError) {
        console.error(`k8ts: ${err.message}`);
        process.exit(1);
      }
      throw err;
    }
  });

program
  .command('kubeconfig')
  .description('print the admin kubeconfig of the server using this data dir')
  .option('--data-dir <dir>', 'the server\'s data dir', '.k8ts')
  .action((opts: { dataDir: string }) => {
    const path = join(resolve(opts.dataDir), 'admin.kubeconfig');
    try {
      process.stdout.write(readFileSync(path, 'utf8'));
    } catch {
      console.error(`k8ts: no kubeconfig at ${path}; start \`k8ts server --data-dir ${opts.dataDir}\` first`);
      process.exit(1);
    }
  });

withAgentHostOptions(program
  .command('agent')
  .description('run a node agent on this host, joining the server at --server (needs root, runc and the CNI plugins)')
  .requiredOption('--server <url>', 'the k8ts server, e.g. https://10.0.0.1:6443')
  .requiredOption('--token <token>', 'the cluster token (k8ts server\'s admin token)')
  .option('--ca-file <file>', 'PEM of the server\'s CA')
  .option('--insecure-skip-tls-verify', 'do not verify the server\'s certificate')
  .option('--node-name <name>', 'the Node to register (default: the hostname)')
  .option('--data-dir <dir>', 'where images, pods and logs live', join('.k8ts', 'agent'))
  .option('--host-ip <ip>', 'the address the server reaches this agent on (default: the first non-loopback IPv4)')
  .option('--bridge-name <name>', 'Linux bridge for pods', 'k8ts0')
  .option('--cgroup-root <name>', 'top-level cgroup for pods', 'k8ts')
  .option('--cluster-cidr <cidr>', 'range the node\'s podCIDR is carved from', '10.244.0.0/16')
  .option('--port <port>', 'port of the agent\'s logs/exec endpoint (0 picks one)', parsePort, 10250))
  .action(async (opts: Parameters<typeof import('../agent/agent-command.js').runAgent>[0]) => {
    (await import('../agent/young-generation.js')).keepYoungGenerationSmall();
    const { runAgent } = await import('../agent/agent-command.js');
    let running: Awaited<ReturnType<typeof runAgent>>;
    try {
      running = await runAgent(opts, (line) => console.log(line));
    } catch (err) {
      console.error(`k8ts: ${(err as Error).message}`);
      process.exit(1);
    }
    const shutdown = (signal: string) => {
      console.log(JSON.stringify({ level: 'info', msg: 'shutting down', signal }));
      running.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });

const image = program.command('image').description('the node\'s image store (the agent\'s data dir)');
const agentDataDirOption = ['--data-dir <dir>', 'the agent\'s data dir (k8ts server --agent keeps it in <server data dir>/agent)', join('.k8ts', 'agent')] as const;
image
  .command('import <archive>')
  .description('load a docker-archive (docker save) or OCI-layout tarball')
  .option(...agentDataDirOption)
  .option('--name <ref>', 'name the image (overrides the archive\'s tags)')
  .action(async (archive: string, opts: { dataDir: string; name?: string }) => {
    const { importImages } = await import('../agent/image-commands.js');
    for (const line of await importImages(resolve(opts.dataDir), resolve(archive), opts.name)) console.log(line);
  });
image
  .command('ls')
  .description('list images')
  .option(...agentDataDirOption)
  .action(async (opts: { dataDir: string }) => {
    const { listImages } = await import('../agent/image-commands.js');
    for (const line of listImages(resolve(opts.dataDir))) console.log(line);
  });
image
  .command('rm <image>')
  .description('remove an image by name or ID')
  .option(...agentDataDirOption)
  .action(async (name: string, opts: { dataDir: string }) => {
    const { removeImage } = await import('../agent/image-commands.js');
    let lines: string[] | undefined;
    try {
      lines = removeImage(resolve(opts.dataDir), name);
    } catch (err) {
      console.error(`k8ts: ${(err as Error).message}`);
      process.exit(1);
    }
    if (!lines) {
      console.error(`k8ts: no image "${name}"`);
      process.exit(1);
    }
    for (const line of lines) console.log(line);
  });

program
  .command('version')
  .description('print the version')
  .action(() => {
    console.log(`k8ts ${K8TS_VERSION} (Kubernetes API ${SERVER_VERSION.gitVersion})`);
  });

await program.parseAsync(process.argv);
