// Drives one pod on this node toward its spec, level-triggered: sandbox
// (namespaces, CNI, /etc files), volumes, init containers in order, app
// containers with their restart policy and crash-loop back-off, probes, and
// a status report when anything changed. Deleting a pod stops its
// containers gracefully (preStop, SIGTERM, grace period, SIGKILL) and
// removes everything it had on the node.
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { TimingWheel } from '../../time/timing-wheel.js';
import type { ContainerRuntime, ContainerRecord } from '../runtime/container-runtime.js';
import type { PodNamespaces } from '../runtime/pod-namespaces.js';
import type { CniNetwork } from '../network/cni.js';
import type { PodVolumes } from '../volumes/pod-volumes.js';
import { ImageUnavailableError, type ImageManager } from '../images/image-manager.js';
import { imageIdFor, type ImageStore } from '../images/image-store.js';
import { BackOff, CRASH_LOOP_BACKOFF, type BackOffOptions } from '../runtime/backoff.js';
import { containerCgroupPath, ociResources, podCgroupPath, qosClass, removeCgroup } from '../runtime/cgroup-paths.js';
import { containerArgs, containerEnv, containerUser, expandReferences, podHostname, volumeMounts } from './container-config.js';
import { podSpec, type ContainerSpec } from './pod-spec.js';
import { condition, containerStatus, iso, podPhase, type ObservedContainer } from './pod-status.js';
import { ProbeWorker } from '../probes/probe-worker.js';
import { runProbe, type ProbeTarget } from '../probes/probe-runner.js';

export interface PodSyncDeps {
  client: ApiClient;
  wheel: TimingWheel;
  runtime: ContainerRuntime;
  namespaces: PodNamespaces;
  network: CniNetwork;
  volumes: PodVolumes;
  images: ImageManager;
  imageStore: ImageStore;
  recorder: EventRecorder;
  nodeName: string;
  hostIp: string;
  cgroupRoot: string;
  /** Requeue the pod's key after a delay (back-off, probes, polling). */
  requeue(key: string, afterMs: number): void;
  log(fields: Record<string, unknown>): void;
  crashLoopBackOff?: BackOffOptions;
  /** pids limit per pod (0 = none). */
  podPidsLimit?: number;
}

interface PodState {
  uid: string;
  key: string;
  pod: KubeObject;
  ip?: string;
  /** Waiting reasons by container name (image pull errors, config errors, back-off). */
  waiting: Map<string, { reason: string; message?: string }>;
  probes: Map<string, ProbeWorker[]>;
  /** Container IDs whose exit was already charged to the back-off. */
  charged: Set<string>;
  lastStatus?: string;
  terminated: boolean;
}

const KILL_RETRY_MS = 1000;
/** The kubelet's minimumGracePeriodInSeconds: SIGTERM always gets this long before SIGKILL. */
const MIN_GRACE_MS = 2000;

export class PodSync {
  private readonly states = new Map<string, PodState>();
  private readonly crashBackOff: BackOff;

  constructor(private readonly d: PodSyncDeps) {
    this.crashBackOff = new BackOff(d.crashLoopBackOff ?? CRASH_LOOP_BACKOFF, () => d.wheel.clock.nowMs());
  }

  /** Pod UIDs the agent is responsible for right now. */
  knownUids(): Set<string> {
    return new Set([...this.states.values()].map((s) => s.uid));
  }

  stateByUid(uid: string): PodState | undefined {
    return [...this.states.values()].find((s) => s.uid === uid);
  }

  /** Reconciles `key`; `pod` is the informer's current object or undefined when gone. */
  async sync(key: string, pod: KubeObject | undefined): Promise<void> {
    let state = this.states.get(key);
    if (state && pod && state.uid !== pod.metadata.uid) {
      // Same name, new pod (a StatefulSet replacement): the old one goes first.
      await this.terminate(state, false);
      state = undefined;
    }
    if (!pod) {
      if (state) await this.terminate(state, false);
      return;
    }
    if (!state) {
      state = { uid: pod.metadata.uid!, key, pod, waiting: new Map(), probes: new Map(), charged: new Set(), terminated: false };
      this.states.set(key, state);
    }
    state.pod = pod;
    if (pod.metadata.deletionTimestamp) {
      await this.terminate(state, true);
      return;
    }
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      await this.stopAll(state, 0);
      return;
    }
    await this.run(state);
  }

  private async run(state: PodState): Promise<void> {
    const pod = state.pod;
    const spec = podSpec(pod);
    const podDir = this.d.runtime.podDir(state.uid);
    await this.ensureSandbox(state, podDir);
    let volumes: Map<string, string>;
    try {
      volumes = await this.d.volumes.prepare(pod, podDir);
    } catch (err) {
      const msg = `MountVolume.SetUp failed ${(err as Error).message}`;
      this.d.recorder.event(pod, 'Warning', 'FailedMount', msg);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) if (!this.d.runtime.latest(state.uid, c.name)) state.waiting.set(c.name, { reason: 'ContainerCreating' });
      await this.report(state);
      this.d.requeue(state.key, 5000);
      return;
    }
    // Init containers, one at a time, each to a successful exit.
    let initDone = true;
    let initFailed = false;
    for (const c of spec.initContainers ?? []) {
      const r = this.d.runtime.latest(state.uid, c.name);
      const exit = r && this.d.runtime.exitOf(r);
      if (exit && exit.exitCode === 0) continue;
      initDone = false;
      if (r && !exit) break;
      if (r && exit && (spec.restartPolicy ?? 'Always') === 'Never') {
        initFailed = true;
        break;
      }
      await this.startOrBackOff(state, c, true, r, volumes);
      break;
    }
    if (initDone && !initFailed) {
      for (const c of spec.containers) {
        const r = this.d.runtime.latest(state.uid, c.name);
        const exit = r && this.d.runtime.exitOf(r);
        if (r && !exit) continue;
        if (r && exit && !this.shouldRestart(spec.restartPolicy, exit.exitCode)) {
          state.waiting.delete(c.name);
          this.stopProbes(state, r.id);
          continue;
        }
        await this.startOrBackOff(state, c, false, r, volumes);
      }
    }
    await this.report(state, initDone, initFailed);
  }

  private shouldRestart(policy: string | undefined, exitCode: number): boolean {
    const p = policy ?? 'Always';
    return p === 'Always' || (p === 'OnFailure' && exitCode !== 0);
  }

  private async ensureSandbox(state: PodState, podDir: string): Promise<void> {
    const pod = state.pod;
    const spec = podSpec(pod);
    if (!this.d.namespaces.exists(state.uid)) {
      await this.d.namespaces.create(state.uid, !!spec.hostNetwork);
      state.ip = undefined;
    }
    if (spec.hostNetwork) state.ip = this.d.hostIp;
    else if (!state.ip) {
      state.ip = this.d.network.ipOf(state.uid);
      if (!state.ip) {
        const portMappings = [...(spec.initContainers ?? []), ...spec.containers].flatMap((c) => c.ports ?? [])
          .filter((p) => p.hostPort).map((p) => ({ hostPort: p.hostPort!, containerPort: p.containerPort, protocol: (p.protocol ?? 'TCP').toLowerCase() as 'tcp', ...(p.hostIP ? { hostIP: p.hostIP } : {}) }));
        state.ip = await this.d.network.add({ podUid: state.uid, netns: this.d.namespaces.path(state.uid, 'net'), portMappings, podNamespace: pod.metadata.namespace!, podName: pod.metadata.name! });
      }
    }
    const etc = join(podDir, 'etc');
    mkdirSync(etc, { recursive: true });
    const hostname = podHostname(pod);
    const hosts = `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${state.ip}\t${hostname}\n`;
    writeIfChanged(join(etc, 'hosts'), hosts);
    writeIfChanged(join(etc, 'hostname'), `${hostname}\n`);
    const resolv = spec.hostNetwork || !existsSync('/etc/resolv.conf') ? '' : readFileSync('/etc/resolv.conf', 'utf8');
    writeIfChanged(join(etc, 'resolv.conf'), `${resolv.split('\n').filter((l) => !/^search/.test(l)).join('\n')}\nsearch ${pod.metadata.namespace}.svc.cluster.local svc.cluster.local cluster.local\n`);
  }

  private async startOrBackOff(state: PodState, c: ContainerSpec, init: boolean, previous: ContainerRecord | undefined, volumes: Map<string, string>): Promise<void> {
    const backoffKey = `${state.uid}/${c.name}`;
    if (previous) {
      const exit = this.d.runtime.exitOf(previous)!;
      this.crashBackOff.resetIfRanFor(backoffKey, exit.finishedAtMs - previous.startedAtMs);
      const remaining = this.crashBackOff.remainingMs(backoffKey);
      if (remaining > 0) {
        const msg = `back-off ${Math.round(this.crashBackOffDelay(backoffKey) / 1000)}s restarting failed container=${c.name} pod=${state.pod.metadata.name}_${state.pod.metadata.namespace}(${state.uid})`;
        if (state.waiting.get(c.name)?.reason !== 'CrashLoopBackOff') this.d.recorder.event(state.pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
        state.waiting.set(c.name, { reason: 'CrashLoopBackOff', message: msg });
        this.d.requeue(state.key, remaining + 10);
        return;
      }
    }
    try {
      const attempt = previous ? previous.attempt + 1 : 0;
      if (previous) {
        this.crashBackOff.next(backoffKey);
        this.stopProbes(state, previous.id);
      }
      await this.startContainer(state, c, init, attempt, volumes, previous);
      state.waiting.delete(c.name);
    } catch (err) {
      if (err instanceof ImageUnavailableError) {
        state.waiting.set(c.name, { reason: err.reason, message: err.message });
        if (err.retryAfterMs !== undefined) this.d.requeue(state.key, err.retryAfterMs + 10);
        return;
      }
      const message = (err as Error).message;
      state.waiting.set(c.name, { reason: 'CreateContainerConfigError', message });
      this.d.recorder.event(state.pod, 'Warning', 'Failed', `Error: ${message}`);
      this.d.requeue(state.key, 10_000);
    }
  }

  private crashBackOffDelay(key: string): number {
    // remaining is what is left; the full delay is reported as Kubernetes does.
    return Math.max(this.crashBackOff.remainingMs(key), 10_000);
  }

  private async startContainer(state: PodState, c: ContainerSpec, init: boolean, attempt: number, volumes: Map<string, string>, previous: ContainerRecord | undefined): Promise<void> {
    const pod = state.pod;
    const spec = podSpec(pod);
    const image = await this.d.images.ensure(pod, c, `spec.${init ? 'initContainers' : 'containers'}{${c.name}}`);
    const lowerDirs = this.d.imageStore.lowerDirs(image);
    const env = await containerEnv(this.d.client, pod, c, image.config, state.ip);
    // As containerd and Docker do for a container with a terminal.
    if (c.tty && !env.has('TERM')) env.set('TERM', 'xterm');
    const args = containerArgs(c, image.config).map((a) => expandReferences(a, env));
    const passwdRoot = lowerDirs.find((d) => existsSync(join(d, 'etc/passwd'))) ?? lowerDirs[0] ?? '/nonexistent';
    const user = containerUser(pod, c, image.config, passwdRoot);
    const podDir = this.d.runtime.podDir(state.uid);
    const etc = join(podDir, 'etc');
    const qos = qosClass([...spec.containers, ...(spec.initContainers ?? [])]);
    const podCg = podCgroupPath(this.d.cgroupRoot, qos, state.uid);
    const sc = c.securityContext ?? {};
    const hostNetwork = !!spec.hostNetwork;
    const logDir = this.logDir(pod);
    const record = await this.d.runtime.start({
      podUid: state.uid,
      podNamespace: pod.metadata.namespace!,
      podName: pod.metadata.name!,
      name: c.name,
      init,
      attempt,
      image: c.image,
      imageId: imageIdFor(image, c.image),
      logPath: join(logDir, c.name, `${attempt}.log`),
      cgroupPath: containerCgroupPath(podCg, `${c.name}-${attempt}`),
      ...(c.stdin ? { stdin: true, stdinOnce: c.stdinOnce === true } : {}),
      ...(c.tty ? { tty: true } : {}),
    }, lowerDirs, {
      process: { args, env: [...env].map(([k, v]) => `${k}=${v}`), cwd: c.workingDir ?? image.config.workingDir ?? '/', uid: user.uid, gid: user.gid, additionalGids: user.additionalGids, tty: c.tty === true },
      security: {
        privileged: sc.privileged === true,
        readOnlyRootFilesystem: sc.readOnlyRootFilesystem === true,
        capabilitiesAdd: sc.capabilities?.add ?? [],
        capabilitiesDrop: sc.capabilities?.drop ?? [],
        allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
      },
      namespaces: {
        ipc: this.d.namespaces.path(state.uid, 'ipc'),
        net: hostNetwork ? undefined : this.d.namespaces.path(state.uid, 'net'),
        uts: hostNetwork ? undefined : this.d.namespaces.path(state.uid, 'uts'),
      },
      hostname: hostNetwork ? undefined : podHostname(pod),
      cgroupsPath: containerCgroupPath(podCg, `${c.name}-${attempt}`),
      resources: ociResources(c.resources, this.d.podPidsLimit),
      mounts: volumeMounts(c, volumes, { hosts: join(etc, 'hosts'), hostname: join(etc, 'hostname'), resolv: join(etc, 'resolv.conf') }, spec.volumes),
    });
    this.d.recorder.event(pod, 'Normal', previous ? 'Started' : 'Created', previous ? `Started container ${c.name}` : `Created container ${c.name}`);
    if (!previous) this.d.recorder.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
    if (previous) await this.d.runtime.remove(await this.olderThanPrevious(state, c.name, previous));
    if (!init) this.startProbes(state, c, record);
  }

  /** Keeps the latest and the previous attempt (for --previous and lastState); older ones go. */
  private async olderThanPrevious(state: PodState, name: string, previous: ContainerRecord): Promise<ContainerRecord> {
    const older = this.d.runtime.containersOf(state.uid).filter((r) => r.name === name && r.attempt < previous.attempt);
    for (const r of older.slice(0, -1)) await this.d.runtime.remove(r);
    return older.at(-1) ?? { ...previous, id: `${previous.id}-none` };
  }

  logDir(pod: KubeObject): string {
    return join(this.d.runtime.logsDir, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
  }

  private startProbes(state: PodState, c: ContainerSpec, record: ContainerRecord): void {
    const workers: ProbeWorker[] = [];
    const target = () => ({ containerId: record.id, podIp: state.ip ?? '127.0.0.1', container: c });
    let startup: ProbeWorker | undefined;
    const changed = (w: ProbeWorker) => {
      if ((w.kind === 'liveness' && !w.result) || (w.kind === 'startup' && w.failed)) {
        const what = w.kind === 'liveness' ? 'Liveness' : 'Startup';
        this.d.recorder.event(state.pod, 'Warning', 'Unhealthy', `${what} probe failed: ${w.lastMessage}`);
        this.d.recorder.event(state.pod, 'Normal', 'Killing', `Container ${c.name} failed ${w.kind} probe, will be restarted`);
        this.stopProbes(state, record.id);
        // As the kubelet: the probe's own terminationGracePeriodSeconds, else the pod's; preStop runs first.
        const probe = w.kind === 'liveness' ? c.livenessProbe : c.startupProbe;
        const graceSeconds = probe?.terminationGracePeriodSeconds ?? podSpec(state.pod).terminationGracePeriodSeconds ?? 30;
        void this.stopContainer(state, record, c, graceSeconds * 1000).then(() => this.d.requeue(state.key, 0));
        return;
      }
      if (w.kind === 'readiness' && !w.result) this.d.recorder.event(state.pod, 'Warning', 'Unhealthy', `Readiness probe failed: ${w.lastMessage}`);
      this.d.requeue(state.key, 0);
    };
    const gate = () => !startup || startup.result;
    const make = (kind: 'liveness' | 'readiness' | 'startup', spec: NonNullable<ContainerSpec['livenessProbe']>) =>
      new ProbeWorker(kind, spec, this.d.wheel, () => runProbe(spec, target(), this.d.runtime.runc), changed, kind === 'startup' ? () => true : gate);
    if (c.startupProbe) workers.push((startup = make('startup', c.startupProbe)));
    if (c.livenessProbe) workers.push(make('liveness', c.livenessProbe));
    if (c.readinessProbe) workers.push(make('readiness', c.readinessProbe));
    for (const w of workers) w.start();
    state.probes.set(record.id, workers);
  }

  private stopProbes(state: PodState, id: string): void {
    for (const w of state.probes.get(id) ?? []) w.stop();
    state.probes.delete(id);
  }

  private schedule(ms: number, fn: () => void): () => void {
    const h = this.d.wheel.schedule(ms, fn);
    return () => this.d.wheel.cancel(h);
  }

  /** Observes containers, computes the status and writes it when it changed. */
  private async report(state: PodState, initDone = false, initFailed = false): Promise<void> {
    const pod = state.pod;
    const spec = podSpec(pod);
    const observe = (c: ContainerSpec): ObservedContainer => {
      const latest = this.d.runtime.latest(state.uid, c.name);
      const exit = latest && this.d.runtime.exitOf(latest);
      const prev = latest && this.d.runtime.containersOf(state.uid).filter((r) => r.name === c.name && r.attempt < latest.attempt).at(-1);
      const probes = latest ? state.probes.get(latest.id) ?? [] : [];
      const started = !!latest && !exit && (probes.find((p) => p.kind === 'startup')?.result ?? true);
      const readiness = probes.find((p) => p.kind === 'readiness');
      return {
        spec: c,
        latest,
        exit,
        previous: prev ? { record: prev, exit: this.d.runtime.exitOf(prev) } : undefined,
        waiting: state.waiting.get(c.name),
        ready: started && (readiness ? readiness.result : true),
        started,
        imageId: latest?.imageId,
      };
    };
    const inits = (spec.initContainers ?? []).map(observe);
    const apps = spec.containers.map(observe);
    const phase = podPhase(spec, initDone, initFailed, apps);
    const allReady = apps.every((a) => a.ready);
    const prevConds = (pod.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions;
    const now = iso(this.d.wheel.clock.wallMs());
    const status: Record<string, unknown> = {
      phase,
      conditions: [
        condition('PodReadyToStartContainers', true, prevConds, now),
        condition('Initialized', initDone, prevConds, now, 'ContainersNotInitialized'),
        condition('Ready', allReady && phase === 'Running', prevConds, now, 'ContainersNotReady'),
        condition('ContainersReady', allReady && phase === 'Running', prevConds, now, 'ContainersNotReady'),
        condition('PodScheduled', true, prevConds, now),
      ],
      hostIP: this.d.hostIp,
      hostIPs: [{ ip: this.d.hostIp }],
      ...(state.ip ? { podIP: state.ip, podIPs: [{ ip: state.ip }] } : {}),
      startTime: (pod.status as { startTime?: string } | undefined)?.startTime ?? now,
      qosClass: qosClass([...spec.containers, ...(spec.initContainers ?? [])]),
      ...(inits.length ? { initContainerStatuses: inits.map(containerStatus) } : {}),
      containerStatuses: apps.map(containerStatus),
    };
    const json = JSON.stringify(status);
    if (json === state.lastStatus) return;
    try {
      const updated = await this.d.client.patch(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, 'application/merge-patch+json', { status }, 'status');
      state.lastStatus = json;
      state.pod = updated;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Stops every running container of the pod within the grace period, as the
   * kubelet's killContainer does: the preStop hook (exec, httpGet or sleep)
   * first, bounded by the grace period; then SIGTERM, and SIGKILL once what
   * is left of the grace period (at least MIN_GRACE_MS) has passed.
   */
  private async stopAll(state: PodState, graceMs: number): Promise<void> {
    const running = this.d.runtime.containersOf(state.uid).filter((r) => !this.d.runtime.exitOf(r));
    for (const id of [...state.probes.keys()]) this.stopProbes(state, id);
    await Promise.all(running.map(async (r) => {
      const c = [...podSpec(state.pod).containers, ...(podSpec(state.pod).initContainers ?? [])].find((x) => x.name === r.name);
      if (graceMs > 0 && c) this.d.recorder.event(state.pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
      await this.stopContainer(state, r, c, graceMs);
    }));
  }

  /** One container's stop: its preStop hook within `graceMs`, then SIGTERM, and SIGKILL once what is left (at least MIN_GRACE_MS) has passed. */
  private async stopContainer(state: PodState, r: ContainerRecord, c: ContainerSpec | undefined, graceMs: number): Promise<void> {
    const clock = this.d.wheel.clock;
    const deadline = clock.nowMs() + graceMs;
    const preStop = c?.lifecycle?.preStop;
    if (preStop && c && graceMs > 0) {
      const outcome = await this.preStop(preStop, { containerId: r.id, podIp: state.ip ?? '', container: c }, graceMs);
      if (!outcome.ok) this.d.recorder.event(state.pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${outcome.message}`);
    }
    await this.d.runtime.stop(r, Math.max(MIN_GRACE_MS, deadline - clock.nowMs()), (ms, fn) => this.schedule(ms, fn));
  }

  /** Runs a preStop hook, giving up (the hook's process is killed with its container) when the grace period is over. */
  private preStop(hook: NonNullable<NonNullable<ContainerSpec['lifecycle']>['preStop']>, target: ProbeTarget, graceMs: number): Promise<{ ok: boolean; message: string }> {
    if (hook.sleep) {
      return new Promise((resolve) => this.schedule(Math.min(graceMs, hook.sleep!.seconds * 1000), () => resolve({ ok: true, message: '' })));
    }
    if (!hook.exec && !hook.httpGet) return Promise.resolve({ ok: false, message: 'preStop hook has no exec, httpGet or sleep action' });
    return runProbe({ exec: hook.exec, httpGet: hook.httpGet, timeoutSeconds: graceMs / 1000 }, target, this.d.runtime.runc);
  }

  /** Stops the pod and removes all it had on the node; `deleteFromApi` finishes a graceful deletion. */
  private async terminate(state: PodState, deleteFromApi: boolean): Promise<void> {
    if (!state.terminated) {
      const spec = podSpec(state.pod);
      const graceSeconds = state.pod.metadata.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
      await this.stopAll(state, graceSeconds * 1000);
      await this.cleanupNode(state.uid, this.logDir(state.pod));
      state.terminated = true;
    }
    this.states.delete(state.key);
    for (const c of [...podSpec(state.pod).containers, ...(podSpec(state.pod).initContainers ?? [])]) this.crashBackOff.forget(`${state.uid}/${c.name}`);
    if (deleteFromApi) {
      await this.d.client.delete(RESOURCES.pods, state.pod.metadata.namespace, state.pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: state.uid } }).catch((err: unknown) => {
        if (!isNotFound(err) && (err as { code?: number }).code !== 409) throw err;
      });
    }
  }

  /** Removes a pod's containers, network, namespaces, volumes, cgroups and logs. */
  async cleanupNode(uid: string, logDir: string | undefined): Promise<void> {
    for (const r of this.d.runtime.containersOf(uid)) {
      if (!this.d.runtime.exitOf(r)) {
        await this.d.runtime.runc.kill(r.id, 'KILL');
        await new Promise<void>((resolve) => {
          const check = () => (this.d.runtime.exitOf(r) ? resolve() : this.schedule(50, check));
          this.schedule(KILL_RETRY_MS * 10, () => resolve());
          check();
        });
      }
    }
    // Volumes first: a memory emptyDir is a mount inside the pod dir that removePod deletes.
    await this.d.volumes.teardown(this.d.runtime.podDir(uid));
    await this.d.runtime.removePod(uid, logDir);
    await this.d.network.del(uid, this.d.namespaces.path(uid, 'net')).catch((err: unknown) => this.d.log({ level: 'error', msg: 'CNI DEL failed', uid, error: String(err) }));
    await this.d.namespaces.destroy(uid);
    for (const qos of ['Guaranteed', 'Burstable', 'BestEffort'] as const) removeCgroup(podCgroupPath(this.d.cgroupRoot, qos, uid));
  }
}

function writeIfChanged(path: string, content: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return;
  writeFileSync(path, content);
}
