// Where strategic merge patch learns how to merge each field: the
// x-kubernetes-patch-* extensions of the OpenAPI schema, the same source
// kube-apiserver's struct tags are generated into.

/** Patch metadata of one field, as the schema of its parent declares it. */
export interface FieldPatchInfo {
  /** Schema of the field's value; undefined when the schema says nothing more. */
  meta?: PatchMeta;
  /** x-kubernetes-patch-strategy: "merge", "replace", "retainKeys" or "merge,retainKeys". */
  patchStrategy?: string;
  /** x-kubernetes-patch-merge-key: the key that identifies elements of a merged list of maps. */
  patchMergeKey?: string;
  /** x-kubernetes-list-type ("atomic", "set", "map"); informational, SMP ignores it as Kubernetes does. */
  listType?: string;
  /** x-kubernetes-list-map-keys, for listType "map". */
  listMapKeys?: readonly string[];
  /** x-kubernetes-map-type ("atomic" or "granular"); server-side apply replaces atomic maps whole. */
  mapType?: string;
}

/** One node of a schema, seen from strategic merge patch. */
export interface PatchMeta {
  /** The named property, or the value schema of a map; undefined for fields the schema does not know. */
  fieldMeta(name: string): FieldPatchInfo | undefined;
  /** Schema of list elements, or of the values of an `additionalProperties` map. */
  itemsMeta(): PatchMeta | undefined;
}

/** The subset of an OpenAPI v3 schema object that patch metadata depends on. */
export interface OpenApiSchema {
  type?: string | string[];
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema | boolean;
  $ref?: string;
  allOf?: OpenApiSchema[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  [keyword: string]: unknown;
}

const REF_PREFIXES = ['#/components/schemas/', '#/definitions/'];

/**
 * PatchMeta for `components.schemas[schemaName]` of a Kubernetes OpenAPI v3
 * document. Nodes are built on first use and memoised per schema object, so
 * recursive schemas (JSONSchemaProps) and large documents cost nothing up
 * front. Returns undefined when the document has no such schema.
 */
export function patchMetaFromOpenApiV3(
  schemas: Readonly<Record<string, OpenApiSchema>>,
  schemaName: string,
): PatchMeta | undefined {
  const root = schemas[schemaName];
  return root === undefined ? undefined : new OpenApiPatchMetaGraph(schemas).nodeFor(root);
}

class OpenApiPatchMetaGraph {
  private readonly nodes = new WeakMap<OpenApiSchema, PatchMeta>();

  constructor(private readonly schemas: Readonly<Record<string, OpenApiSchema>>) {}

  nodeFor(schema: OpenApiSchema): PatchMeta | undefined {
    const target = this.resolve(schema);
    if (target === undefined) return undefined;
    let node = this.nodes.get(target);
    if (node === undefined) {
      node = new OpenApiPatchMetaNode(target, this);
      this.nodes.set(target, node);
    }
    return node;
  }

  fieldInfo(property: OpenApiSchema): FieldPatchInfo {
    // Kubernetes puts the extensions beside the `allOf`/`$ref`, on the
    // property; a referenced schema itself never carries them, but look
    // there too for hand-written documents.
    const target = this.resolve(property);
    const extension = <K extends keyof OpenApiSchema>(key: K): OpenApiSchema[K] => property[key] ?? target?.[key];
    return {
      meta: this.nodeFor(property),
      patchStrategy: extension('x-kubernetes-patch-strategy'),
      patchMergeKey: extension('x-kubernetes-patch-merge-key'),
      listType: extension('x-kubernetes-list-type'),
      listMapKeys: extension('x-kubernetes-list-map-keys'),
      mapType: extension('x-kubernetes-map-type'),
    };
  }

  /** Follows `$ref` and single-`$ref` `allOf` wrappers to the schema that has the structure. */
  private resolve(schema: OpenApiSchema): OpenApiSchema | undefined {
    let current: OpenApiSchema | undefined = schema;
    const seen = new Set<OpenApiSchema>();
    while (current !== undefined && !seen.has(current)) {
      seen.add(current);
      const reference = current.$ref ?? singleAllOfReference(current);
      if (reference === undefined) return current;
      current = this.lookup(reference);
    }
    return current;
  }

  private lookup(reference: string): OpenApiSchema | undefined {
    const prefix = REF_PREFIXES.find((candidate) => reference.startsWith(candidate));
    return prefix === undefined ? undefined : this.schemas[reference.slice(prefix.length)];
  }
}

function singleAllOfReference(schema: OpenApiSchema): string | undefined {
  return schema.allOf?.length === 1 ? schema.allOf[0].$ref : undefined;
}

class OpenApiPatchMetaNode implements PatchMeta {
  private readonly fields = new Map<string, FieldPatchInfo | undefined>();
  private items: PatchMeta | undefined | null = null;

  constructor(
    private readonly schema: OpenApiSchema,
    private readonly graph: OpenApiPatchMetaGraph,
  ) {}

  fieldMeta(name: string): FieldPatchInfo | undefined {
    if (!this.fields.has(name)) this.fields.set(name, this.lookupField(name));
    return this.fields.get(name);
  }

  itemsMeta(): PatchMeta | undefined {
    if (this.items === null) {
      const items = this.schema.items ?? mapValues(this.schema);
      this.items = items === undefined ? undefined : this.graph.nodeFor(items);
    }
    return this.items;
  }

  private lookupField(name: string): FieldPatchInfo | undefined {
    const properties = this.schema.properties;
    if (properties !== undefined && Object.prototype.hasOwnProperty.call(properties, name)) {
      return this.graph.fieldInfo(properties[name]);
    }
    const values = mapValues(this.schema);
    return values === undefined ? undefined : this.graph.fieldInfo(values);
  }
}

function mapValues(schema: OpenApiSchema): OpenApiSchema | undefined {
  const values = schema.additionalProperties;
  return typeof values === 'object' ? values : undefined;
}
