// The server's OpenAPI: v3 per group-version and the v2 Swagger document,
// built from the same resources and schemas and updated together when CRDs
// come and go.
import type { ResourceInfo } from '../../api/resources.js';
import type { Schema } from '../../api/openapi/schemas.js';
import type { OpenApiService } from '../api-server.js';
import { buildOpenApiV2 } from './v2.js';
import { buildOpenApiV3, type OpenApiV3Options } from './v3.js';

export function buildOpenApi(resources: ResourceInfo[], options: OpenApiV3Options = {}): OpenApiService {
  const v3 = buildOpenApiV3(resources, options);
  const v2 = buildOpenApiV2(resources, options);
  return {
    index: v3.index,
    document: v3.document,
    swagger: v2.document,
    update(nextResources: ResourceInfo[], extraSchemas: Record<string, Schema>, changedGvPaths: string[]): void {
      v3.update(nextResources, extraSchemas, changedGvPaths);
      v2.update(nextResources, extraSchemas);
    },
  };
}
