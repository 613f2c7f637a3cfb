// `k8ts server`: the data dir, PKI and token, the store, and the API server
// on HTTPS. Controllers, scheduler and the node agent join here as they land.
import { createServer, type Server } from 'node:https';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { ApiServer } from '../apiserver/api-server.js';
import { ensurePki } from '../apiserver/security/pki.js';
import { ensureAdminToken, TokenAuthenticator } from '../apiserver/security/token.js';
import { adminKubeconfig } from '../apiserver/security/kubeconfig.js';
import { openDataDir, StartupError, type DataDir } from './data-dir.js';
import { applyPatch, builtinApiServerOptions } from './builtin-api.js';
import { LoopbackClient } from '../client/loopback-client.js';
import { ControllerManager } from '../controllers/controller-manager.js';
import type { Clock } from '../time/clock.js';
import { Compactor } from '../apiserver/compactor.js';
import { TimingWheel } from '../time/timing-wheel.js';
import { CrdController } from '../apiextensions/crd-controller.js';
import { runControllersWhileLeading } from './controller-leadership.js';
import { PodStreamProxy, PodStreamRoutes } from '../apiserver/pod-streams.js';
import { AgentUnavailableError, NodeAgent, type AgentOptions } from '../agent/agent.js';
import { join } from 'node:path';
import { SimulatedNodePool, type SimulatedNodePoolOptions } from '../simulated/simulated-node-pool.js';

export interface ServerOptions {
  dataDir: string;
  port: number;
  bindAddress: string;
  /** 'memory' keeps nothing on disk (tests); default is SQLite in the data dir. */
  storeBackend?: 'sqlite' | 'memory';
  log?: (line: string) => void;
  /** Durations of the controller Lease (defaults 15 s / 10 s / 2 s, as kube-controller-manager). */
  leaderElection?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Time for every timer and timestamp; tests pass a ManualClock. */
  clock?: Clock;
  /** Run the controller manager (default true). */
  controllers?: boolean;
  /**
   * Run a node agent for this host in-process (default off). Without runc the
   * server logs why and carries on without a node.
   */
  agent?: boolean | Omit<Partial<AgentOptions>, 'client' | 'wheel' | 'token'>;
  /** --node-monitor-grace-period: how long a node Lease may go unrenewed before the node is Unknown (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /**
   * Run simulated nodes (src/simulated): the count is written to the
   * kube-system/k8ts-simulated-nodes ConfigMap, which the pool follows at run time.
   */
  simulatedNodes?: number | ({ count: number } & Omit<SimulatedNodePoolOptions, 'client' | 'wheel'>);
}

export interface RunningServer {
  url: string;
  port: number;
  kubeconfigPath: string;
  token: string;
  caPem: string;
  api: ApiServer;
  /** The in-process client controllers use; tests use it to act as the kubelet. */
  client: LoopbackClient;
  wheel: TimingWheel;
  /** The in-process node agent, when it runs. */
  agent?: NodeAgent;
  /** The simulated nodes, when they run. */
  simulatedNodes?: SimulatedNodePool;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new StartupError(`cannot listen on ${host}:${port}: address already in use`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new StartupError(`cannot listen on ${host}:${port}: address not available`));
      else if (err.code === 'EACCES') reject(new StartupError(`cannot listen on ${host}:${port}: permission denied`));
      else reject(new StartupError(`cannot listen on ${host}:${port}: ${err.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? (() => {});
  const dataDir: DataDir = openDataDir(opts.dataDir);
  let store: Store | undefined;
  let api: ApiServer | undefined;
  try {
    const [pki, token] = await Promise.all([
      ensurePki(dataDir.pkiDir, opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? [] : [opts.bindAddress]),
      Promise.resolve(ensureAdminToken(dataDir.pkiDir)),
    ]);
    try {
      store = await openStore(opts.storeBackend === 'memory' ? { backend: 'memory' } : { backend: 'sqlite', path: dataDir.storePath });
    } catch (err) {
      throw new StartupError(`cannot open the store in ${dataDir.path}: ${(err as Error).message}`);
    }
    const auth = new TokenAuthenticator(token);
    const wheel = new TimingWheel({ clock: opts.clock });
    const builtin = builtinApiServerOptions();
    api = new ApiServer({
      ...builtin,
      store,
      nowMs: () => wheel.clock.wallMs(),
      authenticate: (h) => auth.authenticate(h),
      rest: {
        ...builtin.rest,
        schedule: (ms, fn) => {
          const handle = wheel.schedule(ms, fn);
          return () => wheel.cancel(handle);
        },
      },
    });
    await api.start();
    // start() created the initial namespaces, and creating anything in a namespace checks
    // the namespace watch cache: wait until it has caught up (the controllers' first list
    // used to provide this wait before they moved behind leader election).
    await api.registry('', 'v1', 'namespaces')!.cache.waitUntilFresh();
    const crdController = new CrdController(api, wheel);
    await crdController.start();
    const compactor = new Compactor(store, wheel, undefined, (err) => log(JSON.stringify({ level: 'error', msg: 'compaction failed', error: String(err) })));
    compactor.start();
    const client = new LoopbackClient(api, applyPatch);
    const apiServer = api;
    const registryGet = (resource: string, ns: string | undefined, name: string) => apiServer.registry('', 'v1', resource)!.get(ns, name);
    const podStreams = new PodStreamRoutes(new PodStreamProxy({ pod: (ns, name) => registryGet('pods', ns, name), node: (name) => registryGet('nodes', undefined, name) }, token), (h) => auth.authenticate(h));
    const https = createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
      if (podStreams.request(req, res)) return;
      void apiServer.handle(req, res);
    });
    // pods/exec and pods/attach arrive as WebSocket upgrades.
    https.on('upgrade', (req, socket, head) => podStreams.upgrade(req, socket, head));
    https.keepAliveTimeout = 65_000;
    const port = await listen(https, opts.port, opts.bindAddress);
    const connectHost = opts.bindAddress === '0.0.0.0' ? '127.0.0.1' : opts.bindAddress === '::' ? '::1' : opts.bindAddress;
    const url = `https://${urlHost(connectHost)}:${port}`;
    await apiServer.ensureKubernetesService(connectHost, port);
    // Controllers run only while this replica holds the controller Lease, each
    // term with fresh instances. Leadership is measured on the real clock even
    // when tests inject a manual one: other replicas and the Lease's readers
    // live in real time, and a test advancing fake time must not depose us.
    const electionWheel = new TimingWheel();
    const leadership = runControllersWhileLeading({
      access: { server: url, caPem: pki.caPem, token },
      wheel: electionWheel,
      timings: opts.leaderElection,
      work: () => [
        ...(opts.controllers === false ? [] : [new ControllerManager(client, wheel, (fields) => log(JSON.stringify({ level: 'info', ...fields })), undefined, { nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs })]),
      ],
      log,
    });
    await leadership.firstAttempt;
    let agent: NodeAgent | undefined;
    if (opts.agent) {
      const agentOpts = typeof opts.agent === 'object' ? opts.agent : {};
      agent = new NodeAgent({ dataDir: join(dataDir.path, 'agent'), ...agentOpts, client, wheel, token, log: (fields) => log(JSON.stringify(fields)) });
      try {
        await agent.start();
      } catch (err) {
        if (!(err instanceof AgentUnavailableError)) throw err;
        log(JSON.stringify({ level: 'warn', msg: 'node agent not started', reason: err.message }));
        await agent.stop();
        agent = undefined;
      }
    }
    let simulatedNodes: SimulatedNodePool | undefined;
    if (opts.simulatedNodes !== undefined) {
      const { count, ...poolOpts } = typeof opts.simulatedNodes === 'number' ? { count: opts.simulatedNodes } : opts.simulatedNodes;
      simulatedNodes = new SimulatedNodePool({ log: (fields) => log(JSON.stringify(fields)), ...poolOpts, client, wheel });
      await simulatedNodes.start();
      await simulatedNodes.setCount(count);
    }
    writeFileSync(dataDir.kubeconfigPath, adminKubeconfig(url, pki.caPem, token), { mode: 0o600 });
    log(JSON.stringify({ level: 'info', msg: 'k8ts server ready', url, kubeconfig: dataDir.kubeconfigPath }));
    const openStoreRef = store;
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      kubeconfigPath: dataDir.kubeconfigPath,
      token,
      caPem: pki.caPem,
      api: apiServer,
      client,
      wheel,
      agent,
      simulatedNodes,
      close() {
        closing ??= (async () => {
          await agent?.stop();
          await simulatedNodes?.stop();
          // First, while the API still answers: stop the controllers and release the Lease.
          await leadership.stop();
          electionWheel.close();
          await new Promise<void>((resolve) => {
            https.close(() => resolve());
            https.closeAllConnections();
          });
          compactor.stop();
          crdController.stop();
          apiServer.stop();
          wheel.close();
          await openStoreRef.close();
          dataDir.release();
        })();
        return closing;
      },
    };
  } catch (err) {
    api?.stop();
    await store?.close();
    dataDir.release();
    throw err;
  }
}
