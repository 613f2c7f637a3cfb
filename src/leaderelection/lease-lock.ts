// The resource leader election contends for: a coordination.k8s.io/v1 Lease,
// read and written through the API like client-go's resourcelock.LeaseLock.
// Every write is conditional on the resourceVersion that was read, so two
// candidates cannot both believe they won the same transition.
import { ApiStatusError, resourcePath, type RestClient } from '../client/rest-client.js';

/** What a Lease's spec says about leadership (client-go's LeaderElectionRecord). */
export interface LeaderElectionRecord {
  /** '' when nobody holds it (released). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** RFC 3339 with microseconds (metav1.MicroTime). */
  acquireTime?: string;
  renewTime?: string;
  /** Bumped at every change of holder: the fencing token of a term. */
  leaseTransitions: number;
}

/** A record as read, with what a conditional write of it needs. */
export interface ObservedLock {
  record: LeaderElectionRecord;
  /** The whole object as read (metadata.resourceVersion included), so a write keeps labels and annotations. */
  object: LeaseObject;
}

export interface LeaseObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; [field: string]: unknown };
  spec?: Partial<LeaderElectionRecord> & Record<string, unknown>;
}

/** The operations leader election needs; tests wrap it to simulate a partition. */
export interface ElectionLock {
  /** The current record, or undefined if the Lease does not exist. */
  get(signal?: AbortSignal): Promise<ObservedLock | undefined>;
  /** Creates the Lease; fails with a 409 ApiStatusError if it already exists. */
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedLock>;
  /** Replaces the record, conditional on `observed`'s resourceVersion (409 when someone wrote since). */
  update(observed: ObservedLock, record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedLock>;
  /** "namespace/name", for logs. */
  describe(): string;
}

export class LeaseLock implements ElectionLock {
  private readonly collection: string;

  constructor(
    private readonly client: RestClient,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.collection = resourcePath({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace });
  }

  async get(signal?: AbortSignal): Promise<ObservedLock | undefined> {
    try {
      return observed(await this.client.get<LeaseObject>(`${this.collection}/${encodeURIComponent(this.name)}`, { signal }));
    } catch (error) {
      if (error instanceof ApiStatusError && error.code === 404) return undefined;
      throw error;
    }
  }

  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedLock> {
    const lease: LeaseObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
      spec: { ...record },
    };
    return observed(await this.client.create<LeaseObject>(this.collection, lease, { signal }));
  }

  async update(current: ObservedLock, record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedLock> {
    // Fields of the record left undefined (a release clears the times) must not survive from the old spec.
    const spec: Record<string, unknown> = { ...current.object.spec };
    for (const field of RECORD_FIELDS) delete spec[field];
    const lease: LeaseObject = { ...current.object, spec: { ...spec, ...withoutUndefined(record) } };
    return observed(await this.client.update<LeaseObject>(`${this.collection}/${encodeURIComponent(this.name)}`, lease, { signal }));
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }
}

const RECORD_FIELDS = ['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions'] as const;

function observed(object: LeaseObject): ObservedLock {
  const spec = object.spec ?? {};
  const record: LeaderElectionRecord = {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
  if (spec.acquireTime) record.acquireTime = spec.acquireTime;
  if (spec.renewTime) record.renewTime = spec.renewTime;
  return { record, object };
}

function withoutUndefined(record: LeaderElectionRecord): Partial<LeaderElectionRecord> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits. */
export function microTime(wallMs: number): string {
  return new Date(wallMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
