// Writing responses: JSON or YAML bodies, Kubernetes Status errors, and the
// shapes (Table, PartialObjectMetadata) a client negotiated.
import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { KubeObject, Status } from '../../api/types.js';
import type { TablePrinter } from '../../api/strategy.js';
import { ApiError } from '../errors.js';
import type { ResponseShape } from '../http/negotiation.js';

export function writeJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json', extraHeaders: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': payload.length, ...extraHeaders });
  res.end(payload);
}

export function writeBody(res: ServerResponse, code: number, body: unknown, shape: ResponseShape): void {
  if (shape.as === 'object' && shape.format === 'yaml') {
    const payload = Buffer.from(toYaml(body));
    res.writeHead(code, { 'Content-Type': 'application/yaml', 'Content-Length': payload.length });
    res.end(payload);
    return;
  }
  writeJson(res, code, body);
}

export function writeError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeJson(res, err.code, err.toStatus());
}

export function successStatus(details: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function partialObjectMetadata(obj: KubeObject): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

function tableRow(obj: KubeObject, printer: TablePrinter, include: IncludeObject, nowMs: number): object {
  const row: Record<string, unknown> = { cells: printer.cells(obj, nowMs) };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = partialObjectMetadata(obj);
  return row;
}

export function toTable(
  objects: KubeObject[],
  printer: TablePrinter,
  opts: { include: IncludeObject; nowMs: number; resourceVersion?: string; continueToken?: string; withColumns?: boolean },
): object {
  const metadata: Record<string, unknown> = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.withColumns === false ? [] : printer.columns,
    rows: objects.map((o) => tableRow(o, printer, opts.include, opts.nowMs)),
  };
}

export function parseIncludeObject(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}
