// The OCI runtime spec (config.json) runc starts a container from: the
// process (command, env, user, capabilities), the root filesystem, mounts,
// the pod's shared namespaces and the container's cgroup limits. A pure
// function of its inputs, so it is tested without runc.
import type { OciResources } from './cgroup-paths.js';

export interface OciMount {
  destination: string;
  type?: string;
  source: string;
  options?: string[];
}

export interface ContainerProcessSpec {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids?: number[];
  tty?: boolean;
}

export interface SecuritySpec {
  privileged: boolean;
  readOnlyRootFilesystem: boolean;
  capabilitiesAdd: string[];
  capabilitiesDrop: string[];
  allowPrivilegeEscalation?: boolean;
  /** What privileged and "ALL" grant: the runtime's own capabilities (default: every one Linux defines). */
  availableCapabilities?: string[];
}

export interface SpecInputs {
  process: ContainerProcessSpec;
  security: SecuritySpec;
  /** Paths of the pod's namespace files; undefined for hostNetwork's net and uts. */
  namespaces: { net?: string; ipc: string; uts?: string };
  /** Set by runc in the pod's UTS namespace (each container sets the same name: no separate process for it). */
  hostname?: string;
  cgroupsPath: string;
  resources: OciResources;
  mounts: OciMount[];
}

/** Docker's and containerd's default capability set. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export const ALL_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Kubernetes names capabilities without the CAP_ prefix ("NET_ADMIN"); "ALL" means every one. */
export function effectiveCapabilities(sec: SecuritySpec): string[] {
  const available = sec.availableCapabilities ?? ALL_CAPABILITIES;
  if (sec.privileged) return [...available];
  const norm = (c: string) => (c.toUpperCase() === 'ALL' ? 'ALL' : `CAP_${c.toUpperCase().replace(/^CAP_/, '')}`);
  const drop = sec.capabilitiesDrop.map(norm);
  const add = sec.capabilitiesAdd.map(norm);
  let caps = drop.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c));
  caps = add.includes('ALL') ? [...available] : [...new Set([...caps, ...add])];
  return caps;
}

const MASKED_PATHS = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export function buildOciSpec(inputs: SpecInputs): Record<string, unknown> {
  const { process: proc, security } = inputs;
  const caps = effectiveCapabilities(security);
  const namespaces: { type: string; path?: string }[] = [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc', path: inputs.namespaces.ipc }];
  if (inputs.namespaces.net) namespaces.push({ type: 'network', path: inputs.namespaces.net });
  if (inputs.namespaces.uts) namespaces.push({ type: 'uts', path: inputs.namespaces.uts });
  const sysOptions = security.privileged ? ['nosuid', 'noexec', 'nodev'] : ['nosuid', 'noexec', 'nodev', 'ro'];
  // No /dev/mqueue: mqueue cannot be mounted inside an IPC namespace that was joined rather than created here.
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOptions },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [...sysOptions, 'relatime'] },
    ...inputs.mounts,
  ];
  const linux: Record<string, unknown> = {
    namespaces,
    cgroupsPath: inputs.cgroupsPath,
    resources: {
      devices: [{ allow: security.privileged, access: 'rwm' }],
      ...inputs.resources,
    },
  };
  if (!security.privileged) {
    linux.maskedPaths = MASKED_PATHS;
    linux.readonlyPaths = READONLY_PATHS;
  }
  const spec: Record<string, unknown> = {
    ociVersion: '1.0.2',
    process: {
      terminal: proc.tty ?? false,
      user: { uid: proc.uid, gid: proc.gid, ...(proc.additionalGids?.length ? { additionalGids: proc.additionalGids } : {}) },
      args: proc.args,
      env: proc.env,
      cwd: proc.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, ...(proc.uid === 0 ? {} : { ambient: [] }) },
      noNewPrivileges: !security.privileged && security.allowPrivilegeEscalation === false,
    },
    ...(inputs.hostname && inputs.namespaces.uts ? { hostname: inputs.hostname } : {}),
    root: { path: 'rootfs', readonly: security.readOnlyRootFilesystem },
    mounts,
    linux,
  };
  return spec;
}
