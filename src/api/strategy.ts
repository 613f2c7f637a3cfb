// A kind's behaviour on the generic registry, as kube-apiserver's
// rest.RESTCreateStrategy/RESTUpdateStrategy/TableConvertor: defaults,
// validation, the spec/status split and table columns. Adding a kind means
// adding a strategy, never touching the server.
import type { FieldError, KubeObject, TableColumnDefinition } from './types.js';
import type { ResourceInfo } from './resources.js';

export interface TablePrinter {
  columns: TableColumnDefinition[];
  cells(obj: KubeObject, nowMs: number): unknown[];
}

export interface KindStrategy {
  readonly info: ResourceInfo;
  /** Whether metadata.generation is kept (set to 1 on create, bumped when anything but metadata/status changes). */
  readonly tracksGeneration: boolean;
  /** Fill unset fields with Kubernetes' defaults (mutates). */
  defaults(obj: KubeObject): void;
  /** Create-time preparation: the status a new object starts with, server-assigned fields. */
  prepareForCreate(obj: KubeObject): void;
  /**
   * Update-time normalisation of the object about to be stored, whichever
   * part (main resource or status) was written: CRDs prune and default here.
   */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  validateCreate(obj: KubeObject): FieldError[];
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /** Values of the selectable fields (metadata.name, metadata.namespace and the kind's own). */
  fieldValues(obj: KubeObject): Record<string, string>;
  readonly table: TablePrinter;
  /**
   * The apiVersion objects are stored in, when other versions share the
   * storage (a CRD's versions, converted with strategy None). Absent: the
   * resource's own version.
   */
  readonly storageApiVersion?: string;
  /**
   * Paths of the fields in obj that the kind does not declare (for
   * fieldValidation), when the kind knows its schema itself (CRDs).
   */
  unknownFields?(obj: KubeObject): string[];
  /**
   * The kind's own OpenAPI schema, when it has one rather than a built-in
   * definition (CRDs): server-side apply merges by its list and map types.
   */
  readonly openApiSchema?: object;
}

/** The pieces that come from the per-kind modules (defaults, validation, printers). */
export interface KindBehaviour {
  defaultObject(group: string, kind: string, obj: KubeObject): void;
  validateCreate(group: string, kind: string, obj: KubeObject): FieldError[];
  validateUpdate(group: string, kind: string, obj: KubeObject, old: KubeObject): FieldError[];
  tablePrinterFor(group: string, kind: string): TablePrinter;
}
