// The CRD controller inside the server, doing what apiextensions-apiserver's
// naming, establishing and finalizing controllers do: check a CRD's names
// against the other CRDs of its group (NamesAccepted), serve its versions
// (Established), and when it is deleted, delete its custom resources and
// then release the customresourcecleanup finalizer.
//
// It reads and writes CRDs through the in-process registries, like the
// namespace controller. Work is level-triggered per CRD name.
import type { KubeObject } from '../api/types.js';
import type { ApiServer } from '../apiserver/api-server.js';
import { ApiError } from '../apiserver/errors.js';
import type { ResourceStore } from '../apiserver/registry/resource-store.js';
import { rfc3339 } from '../apiserver/registry/names.js';
import type { TimingWheel } from '../time/timing-wheel.js';
import { asCrd, CLEANUP_FINALIZER, CRD_GROUP, type CrdCondition, type CrdNames, type CustomResourceDefinition } from './crd-types.js';
import { customResourceStrategy } from './custom-resource-strategy.js';
import { customResourceSchemas } from './crd-openapi.js';

const RETRY_MS = 1000;
const EVERYTHING = { labelSelector: [], fieldSelector: [] };

interface Installed {
  group: string;
  plural: string;
  versions: string[];
  /** The spec these versions were built from, to notice changes. */
  specJson: string;
}

export class CrdController {
  private cancelWatch: (() => void) | undefined;
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly installed = new Map<string, Installed>();
  private stopped = false;

  constructor(
    private readonly api: ApiServer,
    private readonly wheel: TimingWheel,
  ) {}

  private get crds(): ResourceStore {
    return this.api.registry(CRD_GROUP, 'v1', 'customresourcedefinitions')!;
  }

  async start(): Promise<void> {
    const listed = await this.crds.list(undefined, EVERYTHING);
    // Serve what exists before anything else runs, so a restart serves custom resources at once.
    for (const crd of listed.items) await this.reconcile(crd.metadata.name!).catch((err) => this.logError(crd.metadata.name!, err));
    this.cancelWatch = await this.crds.watch(undefined, Number(listed.resourceVersion), EVERYTHING, {
      event: (_type, crd) => this.enqueue(crd.metadata.name!),
      close: () => {},
    });
  }

  stop(): void {
    this.stopped = true;
    this.cancelWatch?.();
  }

  private enqueue(name: string): void {
    if (this.stopped || this.queued.has(name)) return;
    this.queued.add(name);
    queueMicrotask(() => void this.process(name));
  }

  private async process(name: string): Promise<void> {
    this.queued.delete(name);
    if (this.running.has(name)) {
      this.wheel.schedule(RETRY_MS / 10, () => this.enqueue(name));
      return;
    }
    this.running.add(name);
    try {
      if (!(await this.reconcile(name))) this.wheel.schedule(RETRY_MS, () => this.enqueue(name));
    } catch (err) {
      this.logError(name, err);
      this.wheel.schedule(RETRY_MS, () => this.enqueue(name));
    } finally {
      this.running.delete(name);
    }
  }

  private logError(name: string, err: unknown): void {
    console.error(JSON.stringify({ level: 'error', controller: 'customresourcedefinition', crd: name, error: String((err as Error)?.stack ?? err) }));
  }

  /** One pass; returns true when the CRD needs no more work. */
  private async reconcile(name: string): Promise<boolean> {
    let crd: CustomResourceDefinition;
    try {
      crd = asCrd(await this.crds.get(undefined, name));
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) {
        this.uninstall(name);
        return true;
      }
      throw err;
    }
    if (crd.metadata.deletionTimestamp) return this.finalize(crd);
    const conflict = this.namesConflict(crd);
    const now = rfc3339(Date.now());
    if (conflict) {
      await this.writeConditions(crd, [
        condition(crd, 'NamesAccepted', 'False', 'MultipleNamesNotAllowed', conflict, now),
        condition(crd, 'Established', 'False', 'NotAccepted', 'not all names are accepted', now),
      ], crd.status?.acceptedNames);
      return true;
    }
    await this.install(crd);
    await this.writeConditions(crd, [
      condition(crd, 'NamesAccepted', 'True', 'NoConflicts', 'no conflicts found', now),
      condition(crd, 'Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted', now),
    ], crd.spec.names);
    return true;
  }

  /** Why this CRD's names clash with a served resource of its group, or undefined. */
  private namesConflict(crd: CustomResourceDefinition): string | undefined {
    const { group, names } = crd.spec;
    const own = this.installed.get(crd.metadata.name!);
    for (const info of this.api.resources()) {
      if (info.group !== group) continue;
      if (own && info.plural === own.plural) continue;
      if (info.plural === names.plural) return `"${names.plural}" is already in use`;
      if (info.kind === names.kind) return `"${names.kind}" is already in use`;
      if (names.singular && info.singular === names.singular) return `"${names.singular}" is already in use`;
      for (const short of names.shortNames ?? []) if (info.shortNames.includes(short)) return `"${short}" is already in use`;
    }
    return undefined;
  }

  private async install(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata.name!;
    const specJson = JSON.stringify(crd.spec);
    const previous = this.installed.get(name);
    if (previous?.specJson === specJson) return;
    const served = crd.spec.versions.filter((v) => v.served);
    // Versions and names that went away stop being served.
    if (previous) {
      for (const version of previous.versions) {
        if (previous.plural !== crd.spec.names.plural || !served.some((v) => v.name === version)) {
          this.api.removeResource(previous.group, version, previous.plural);
        }
      }
    }
    for (const version of served) {
      await this.api.addResource({ strategy: customResourceStrategy(crd, version), openApiSchemas: customResourceSchemas(crd, version) });
    }
    this.installed.set(name, { group: crd.spec.group, plural: crd.spec.names.plural, versions: served.map((v) => v.name), specJson });
  }

  private uninstall(name: string): void {
    const previous = this.installed.get(name);
    if (!previous) return;
    for (const version of previous.versions) this.api.removeResource(previous.group, version, previous.plural);
    this.installed.delete(name);
  }

  private async writeConditions(crd: CustomResourceDefinition, conditions: CrdCondition[], acceptedNames: CrdNames | undefined): Promise<void> {
    const existing = crd.status?.conditions ?? [];
    const merged = [...existing.filter((c) => !conditions.some((n) => n.type === c.type)), ...conditions];
    const status = { ...crd.status, conditions: merged, acceptedNames: acceptedNames ?? { plural: '', kind: '' } };
    if (JSON.stringify(status) === JSON.stringify(crd.status)) return;
    await this.crds.update(undefined, crd.metadata.name!, (current) => ({ ...current, status: { ...(current.status as object), conditions: merged, acceptedNames: status.acceptedNames } }), {
      dryRun: false,
      subresource: 'status',
    });
  }

  /** Deletes the custom resources, then lets the CRD go. Returns false while some remain. */
  private async finalize(crd: CustomResourceDefinition): Promise<boolean> {
    const name = crd.metadata.name!;
    if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return true;
    const now = rfc3339(Date.now());
    await this.writeConditions(crd, [condition(crd, 'Terminating', 'True', 'InstanceDeletionInProgress', 'CustomResource deletion is in progress', now)], crd.status?.acceptedNames);
    // After a restart the CRD may be unserved: serve it again to reach its objects.
    if (!this.installed.has(name)) await this.install(crd);
    const registry = this.anyRegistry(crd);
    if (registry) {
      await registry.deleteCollection(undefined, EVERYTHING, { dryRun: false });
      const left = await registry.list(undefined, EVERYTHING);
      if (left.items.length > 0) return false;
    }
    this.uninstall(name);
    await this.crds.update(undefined, name, (current: KubeObject) => ({
      ...current,
      metadata: { ...current.metadata, finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) },
    }), { dryRun: false, subresource: '' });
    return true;
  }

  private anyRegistry(crd: CustomResourceDefinition): ResourceStore | undefined {
    const installed = this.installed.get(crd.metadata.name!);
    if (!installed) return undefined;
    for (const version of installed.versions) {
      const registry = this.api.registry(installed.group, version, installed.plural);
      if (registry) return registry;
    }
    return undefined;
  }
}

function condition(crd: CustomResourceDefinition, type: string, status: CrdCondition['status'], reason: string, message: string, now: string): CrdCondition {
  const existing = crd.status?.conditions?.find((c) => c.type === type);
  // The transition time moves only when the status does.
  const lastTransitionTime = existing && existing.status === status ? existing.lastTransitionTime : now;
  return { type, status, lastTransitionTime, reason, message };
}
