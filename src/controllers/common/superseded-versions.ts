// Remembers the resourceVersions a controller's own writes replaced, so a
// sync that finds its informer still holding one of them (the watch event
// for the write is on its way) waits for that event instead of acting on a
// stale copy: recounting what it just counted, recreating what it just
// made. The event requeues the key, so skipping is safe. Only versions
// replaced by this process are remembered; after a restart there are none.
export class SupersededVersions {
  private readonly byKey = new Map<string, Set<string>>();

  /**
   * Records that a write turned `oldVersion` of the object at `key` into
   * `newVersion`. A write the server found to change nothing keeps the
   * version: no event will follow it, so nothing is recorded.
   */
  replaced(key: string, oldVersion: string | undefined, newVersion: string | undefined): void {
    if (!oldVersion || oldVersion === newVersion) return;
    let versions = this.byKey.get(key);
    if (!versions) this.byKey.set(key, (versions = new Set()));
    versions.add(oldVersion);
  }

  /** Whether the cached copy is one this controller has already replaced. */
  isStale(key: string, cachedVersion: string | undefined): boolean {
    const superseded = this.byKey.get(key);
    if (superseded === undefined) return false;
    if (cachedVersion !== undefined && superseded.has(cachedVersion)) return true;
    // The cache has moved past every version replaced so far: the guard has done its job.
    this.byKey.delete(key);
    return false;
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
