// The node heartbeat: a coordination.k8s.io Lease named after the node in
// kube-node-lease, renewed by the LeaseKeeper every 10 s (a quarter of its
// 40 s duration, as the kubelet does).
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import { LeaseKeeper, type HealthChange, type RenewFailureKind } from '../../time/lease-keeper.js';
import type { TimingWheel } from '../../time/timing-wheel.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export class NodeLease {
  private keeper: LeaseKeeper | undefined;
  private stopped = false;

  constructor(
    private readonly client: ApiClient,
    private readonly wheel: TimingWheel,
    private readonly nodeName: string,
    private readonly onHealth: (change: HealthChange) => void = () => undefined,
    private readonly renewIntervalMs = (LEASE_DURATION_SECONDS * 1000) / 4,
  ) {}

  async renew(): Promise<void> {
    const now = microTime(this.wheel.clock.wallMs());
    let lease: KubeObject;
    try {
      lease = await this.client.get(RESOURCES.leases, NODE_LEASE_NAMESPACE, this.nodeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const node = await this.client.get(RESOURCES.nodes, undefined, this.nodeName);
      await this.client.create(RESOURCES.leases, NODE_LEASE_NAMESPACE, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.nodeName,
          namespace: NODE_LEASE_NAMESPACE,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: node.metadata.uid! }],
        },
        spec: { holderIdentity: this.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now },
      });
      return;
    }
    await this.client.update(RESOURCES.leases, NODE_LEASE_NAMESPACE, { ...lease, spec: { ...(lease.spec as object), holderIdentity: this.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now } });
  }

  /** Renews now, then keeps renewing; a failed lease is started over (a node never gives up). */
  async start(): Promise<void> {
    await this.renew().catch(() => undefined);
    this.keep();
  }

  private keep(): void {
    if (this.stopped) return;
    this.keeper = new LeaseKeeper({
      wheel: this.wheel,
      renew: () => this.renew(),
      // Every failure is worth retrying for a node: the Lease is recreated if it went away.
      classify: (): RenewFailureKind => 'unreachable',
      validForMs: LEASE_DURATION_SECONDS * 1000,
      renewIntervalMs: this.renewIntervalMs,
      onHealthChange: (change) => {
        this.onHealth(change);
        if (change.health === 'failed') this.wheel.schedule(this.renewIntervalMs, () => this.keep());
      },
    });
    this.keeper.start();
  }

  stop(): void {
    this.stopped = true;
    this.keeper?.stop();
    this.keeper = undefined;
  }
}
