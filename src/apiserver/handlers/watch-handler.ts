// Streams watch events as chunked JSON lines (`{"type":..,"object":..}`),
// from the watch cache: initial state for resourceVersion ""/"0", replay from
// a given resourceVersion, bookmarks, timeouts, and a 410 for a revision too
// old to serve.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/types.js';
import { apiVersionOf } from '../../api/resources.js';
import { ApiError, asApiError, badRequest } from '../errors.js';
import type { ResponseShape } from '../http/negotiation.js';
import type { ResourceStore } from '../registry/resource-store.js';
import { parseListOptions } from './query.js';
import { parseIncludeObject, partialObjectMetadata, toTable, writeError } from './responses.js';

export interface WatchDependencies {
  nowMs(): number;
  bookmarkIntervalMs: number;
  /** Runs fn after ms; returns a cancel function. */
  schedule?(ms: number, fn: () => void): () => void;
}

/** A watcher this far behind is closed, as the cacher drops slow consumers rather than buffering without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

function defaultSchedule(ms: number, fn: () => void): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

export async function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  registry: ResourceStore,
  namespace: string | undefined,
  query: URLSearchParams,
  shape: ResponseShape,
  deps: WatchDependencies,
): Promise<void> {
  const filter = parseListOptions(query);
  const info = registry.strategy.info;
  const rvParam = query.get('resourceVersion') ?? '';
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';
  if (sendInitialEvents && query.get('resourceVersionMatch') !== 'NotOlderThan') {
    throw new ApiError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan`);
  }
  if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`);
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const schedule = deps.schedule ?? defaultSchedule;
  const include = parseIncludeObject(query.get('includeObject'));
  let firstTable = true;

  const encode = (type: string, object: KubeObject): string => {
    let wire: unknown = object;
    if (type !== 'BOOKMARK' && type !== 'ERROR') {
      if (shape.as === 'Table') {
        wire = toTable([object], registry.strategy.table, { include, nowMs: deps.nowMs(), resourceVersion: object.metadata.resourceVersion, withColumns: firstTable });
        firstTable = false;
      } else if (shape.as === 'PartialObjectMetadata') {
        wire = partialObjectMetadata(object);
      }
    }
    return JSON.stringify({ type, object: wire }) + '\n';
  };

  // Decide where the stream starts, and what initial state to send.
  let startRevision: number;
  let initial: KubeObject[] = [];
  if (rvParam === '' || rvParam === '0' || sendInitialEvents) {
    const listed = await registry.list(namespace, { ...filter, limit: undefined, continueToken: undefined });
    initial = listed.items;
    startRevision = Number(listed.resourceVersion);
  } else {
    startRevision = Number(rvParam);
  }

  let closed = false;
  let cancelWatch: (() => void) | undefined;
  const cancelTimers: (() => void)[] = [];
  // Events can arrive while the watch registers (a replay from an older
  // resourceVersion is delivered synchronously): hold them, and any close,
  // until the headers and the initial state are out.
  let streaming = false;
  let held: string[] = [];
  let closeHeld = false;
  const finish = () => {
    if (!streaming) {
      closeHeld = true;
      return;
    }
    if (closed) return;
    closed = true;
    cancelWatch?.();
    for (const c of cancelTimers) c();
    if (!res.writableEnded) res.end();
  };
  const write = (chunk: string) => {
    if (!streaming) {
      held.push(chunk);
      return;
    }
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > MAX_BUFFERED_BYTES) finish();
  };

  let lastRevision = startRevision;
  try {
    cancelWatch = await registry.watch(namespace, startRevision, filter, {
      event: (type, object) => {
        lastRevision = Number(object.metadata.resourceVersion ?? lastRevision);
        write(encode(type, object));
      },
      close: (err) => {
        if (err) write(encode('ERROR', asApiError(err).toStatus() as unknown as KubeObject));
        finish();
      },
    });
  } catch (err) {
    writeError(res, asApiError(err));
    return;
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  streaming = true;
  for (const obj of initial) write(encode('ADDED', obj));
  for (const chunk of held) write(chunk);
  held = [];
  if (closeHeld) {
    finish();
    return;
  }
  const bookmark = (annotations?: Record<string, string>) => {
    const revision = Math.max(lastRevision, registry.cache.currentRevision());
    write(encode('BOOKMARK', {
      kind: info.kind,
      apiVersion: apiVersionOf(info),
      metadata: { resourceVersion: String(revision), ...(annotations ? { annotations } : {}) },
    }));
  };
  if (sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });

  req.on('close', finish);
  res.on('close', finish);
  if (timeoutSeconds > 0) cancelTimers.push(schedule(timeoutSeconds * 1000, finish));
  if (bookmarks) {
    const tick = () => {
      if (closed) return;
      bookmark();
      cancelTimers.push(schedule(deps.bookmarkIntervalMs, tick));
    };
    cancelTimers.push(schedule(deps.bookmarkIntervalMs, tick));
  }
}
