// Wires the built-in kinds into the API server: strategies from the
// defaults, validation and printer modules; patching and field validation
// driven by Kubernetes' OpenAPI schemas.
import type { KubeObject } from '../api/types.js';
import type { ResourceInfo } from '../api/resources.js';
import type { KindStrategy } from '../api/strategy.js';
import { builtinStrategies } from '../api/kinds.js';
import { defaultObject } from '../api/defaults/index.js';
import { validateCreate, validateUpdate } from '../api/validation/index.js';
import { fieldErrorBody, formatInvalidMessage } from '../api/validation/field.js';
import { tablePrinterFor } from '../api/tables/index.js';
import { componentSchemas, schemaNameForGvk } from '../api/openapi/schemas.js';
import { applyJsonMergePatch } from '../apiserver/patch/json-merge-patch.js';
import { applyJsonPatch } from '../apiserver/patch/json-patch.js';
import { applyStrategicMergePatch } from '../apiserver/patch/strategic-merge-patch.js';
import { patchMetaFromOpenApiV3, type OpenApiSchema, type PatchMeta } from '../apiserver/patch/patch-meta.js';
import { findUnknownFields } from '../apiserver/openapi/unknown-fields.js';
import { buildOpenApi } from '../apiserver/openapi/service.js';
import { badRequest } from '../apiserver/errors.js';
import type { ApiServerOptions } from '../apiserver/api-server.js';
import type { PatchType } from '../apiserver/handlers/rest-handler.js';
import { SERVER_VERSION } from '../version.js';
import { crdStrategy } from '../apiextensions/crd-strategy.js';

const patchMetaCache = new Map<string, PatchMeta | undefined>();

function patchMetaFor(info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): PatchMeta | undefined {
  const key = `${info.group}/${info.version}/${info.kind}`;
  if (!patchMetaCache.has(key)) {
    const name = schemaNameForGvk(info.group, info.version, info.kind);
    patchMetaCache.set(key, name ? patchMetaFromOpenApiV3(componentSchemas() as Record<string, OpenApiSchema>, name) : undefined);
  }
  return patchMetaCache.get(key);
}

function parsePatchBody(patch: Buffer): unknown {
  try {
    return JSON.parse(patch.toString('utf8'));
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

export function applyPatch(type: PatchType, current: KubeObject, patch: Buffer, info: ResourceInfo): KubeObject {
  const body = parsePatchBody(patch);
  switch (type) {
    case 'application/json-patch+json':
      return applyJsonPatch(current, body) as KubeObject;
    case 'application/merge-patch+json':
      return applyJsonMergePatch(current, body) as KubeObject;
    case 'application/strategic-merge-patch+json':
      return applyStrategicMergePatch(current as Record<string, unknown>, body, patchMetaFor(info)) as KubeObject;
  }
}

const customSchemaMeta = new WeakMap<object, PatchMeta | undefined>();

/** The schema managedFields and server-side apply follow: the kind's own (CRDs) or Kubernetes' definition. */
export function fieldSchema(strategy: KindStrategy): PatchMeta | undefined {
  const own = strategy.openApiSchema;
  if (!own) return patchMetaFor(strategy.info);
  if (!customSchemaMeta.has(own)) customSchemaMeta.set(own, patchMetaFromOpenApiV3({ root: own as OpenApiSchema }, 'root'));
  return customSchemaMeta.get(own);
}

export function unknownFields(obj: KubeObject, info: ResourceInfo): string[] {
  const name = schemaNameForGvk(info.group, info.version, info.kind);
  return name ? findUnknownFields(obj, name) : [];
}

export function builtinApiServerOptions(): Omit<ApiServerOptions, 'store'> {
  return {
    strategies: [...builtinStrategies({ defaultObject, validateCreate, validateUpdate, tablePrinterFor }), crdStrategy()],
    formatInvalid: (kind, group, name, errs) => ({
      message: formatInvalidMessage(group ? `${kind}.${group}` : kind, name, errs),
      causes: errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
    }),
    rest: { applyPatch, unknownFields, bookmarkIntervalMs: 60_000 },
    openapi: (resources) => buildOpenApi(resources),
    fieldSchema,
    version: SERVER_VERSION,
  };
}
