// The `paths` of a group-version's OpenAPI v3 document, laid out as
// kube-apiserver's installer lays them out: collection and item paths per
// resource, /status and /scale subresources, the all-namespaces list and the
// deprecated /watch/ paths. kubectl reads them to decide, per GVK, whether
// the server supports fieldValidation (the PATCH operation's parameters).
import type { ResourceInfo, Verb } from '../../api/resources.js';
import { queryParameter, SCHEMA_REF_PREFIX, type GroupVersionKind, type Parameter } from '../../api/openapi/schemas.js';
import { operationGroupVersion, operationTag } from './naming.js';

export interface Operation {
  description: string;
  operationId: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }>; required?: boolean };
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref: string } }> }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind'?: GroupVersionKind;
}

/** What differs between operations; the rest is derived from the resource. */
type OperationBody = Pick<Operation, 'parameters' | 'requestBody' | 'responses'>;

export type PathItem = { parameters?: Parameter[] } & Partial<Record<'get' | 'put' | 'post' | 'patch' | 'delete', Operation>>;

/** The schema names a resource's operations speak. */
export interface ResourceSchemas {
  object: string;
  list: string;
  /** False for custom resources: they have no patch strategies, so strategic merge patch isn't offered (kubectl apply then sends merge patches). */
  strategicMerge?: boolean;
}

const SCALE_SCHEMA = 'io.k8s.api.autoscaling.v1.Scale';
const SCALE_GVK: GroupVersionKind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

// We serve JSON and YAML; protobuf is not offered, so it is not documented.
const OBJECT_MEDIA_TYPES = ['application/json', 'application/yaml'];
const STREAM_MEDIA_TYPES = ['application/json', 'application/json;stream=watch', 'application/yaml'];
const PATCH_MEDIA_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

const LIST_PARAMETERS = [
  'allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit',
  'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch',
];
const WRITE_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation'];
const DELETE_PARAMETERS = ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy'];
const DELETE_COLLECTION_PARAMETERS = [
  'continue', 'dryRun', 'fieldSelector', 'gracePeriodSeconds', 'labelSelector', 'limit', 'orphanDependents',
  'propagationPolicy', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds',
];

function ref(schemaName: string): { $ref: string } {
  return { $ref: SCHEMA_REF_PREFIX + schemaName };
}

function content(mediaTypes: string[], schemaName: string): Record<string, { schema: { $ref: string } }> {
  return Object.fromEntries(mediaTypes.map((type) => [type, { schema: ref(schemaName) }]));
}

function queryParameters(names: string[], action: string): Parameter[] {
  return names.map((name) => {
    const parameter = queryParameter(name, action);
    if (!parameter) throw new Error(`no documented query parameter ${name}`);
    return parameter;
  });
}

function pathParameter(name: string, description: string): Parameter {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

function byName(parameters: Parameter[]): Parameter[] {
  return [...parameters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const UNAUTHORIZED = { '401': { description: 'Unauthorized' } };

/** Builds every path of one resource. */
class ResourcePaths {
  private readonly paths: Record<string, PathItem> = {};
  private readonly idGroupVersion: string;
  private readonly idScope: string;
  private readonly tags: string[];
  private readonly gvk: GroupVersionKind;
  private readonly root: string;

  constructor(
    private readonly resource: ResourceInfo,
    private readonly schemas: ResourceSchemas,
  ) {
    const { group, version, kind } = resource;
    this.idGroupVersion = operationGroupVersion(group, version);
    this.idScope = resource.namespaced ? `Namespaced${kind}` : kind;
    this.tags = [operationTag(group, version)];
    this.gvk = { group, version, kind };
    this.root = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  }

  build(): Record<string, PathItem> {
    const { resource } = this;
    const scope = resource.namespaced ? `/namespaces/{namespace}/${resource.plural}` : `/${resource.plural}`;
    const collection = this.root + scope;
    const item = `${collection}/{name}`;
    this.addCollection(collection);
    this.addItem(item);
    if (resource.hasStatus) this.addSubresource(`${item}/status`, 'Status', 'status', this.schemas.object, this.gvk);
    if (resource.scale) this.addSubresource(`${item}/scale`, 'Scale', 'scale', SCALE_SCHEMA, SCALE_GVK);
    if (resource.namespaced && this.can('list')) this.addAllNamespacesList();
    if (this.can('watch')) this.addWatches(scope);
    return this.paths;
  }

  private can(verb: Verb): boolean {
    return this.resource.verbs.includes(verb);
  }

  private operationId(verb: string, suffix = ''): string {
    return `${verb}${this.idGroupVersion}${this.idScope}${suffix}`;
  }

  private operation(action: string, operationId: string, description: string, rest: OperationBody, gvk = this.gvk): Operation {
    return {
      description,
      operationId,
      tags: this.tags,
      ...rest,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    };
  }

  private scopeParameters(withName: boolean): Parameter[] {
    const parameters = [...queryParameters(['pretty'], 'get')];
    if (this.resource.namespaced) parameters.push(pathParameter('namespace', 'object name and auth scope, such as for teams and projects'));
    if (withName) parameters.push(pathParameter('name', `name of the ${this.resource.kind}`));
    return byName(parameters);
  }

  private addCollection(path: string): void {
    const { kind } = this.resource;
    const { object, list } = this.schemas;
    const pathItem: PathItem = { parameters: this.scopeParameters(false) };
    if (this.can('list')) {
      pathItem.get = this.operation('list', this.operationId('list'), `list or watch objects of kind ${kind}`, {
        parameters: queryParameters(LIST_PARAMETERS, 'list'),
        responses: { '200': { description: 'OK', content: content(STREAM_MEDIA_TYPES, list) }, ...UNAUTHORIZED },
      });
    }
    if (this.can('create')) {
      pathItem.post = this.operation('post', this.operationId('create'), `create a ${kind}`, {
        parameters: queryParameters(WRITE_PARAMETERS, 'post'),
        requestBody: { content: content(['*/*'], object), required: true },
        responses: {
          '200': { description: 'OK', content: content(OBJECT_MEDIA_TYPES, object) },
          '201': { description: 'Created', content: content(OBJECT_MEDIA_TYPES, object) },
          '202': { description: 'Accepted', content: content(OBJECT_MEDIA_TYPES, object) },
          ...UNAUTHORIZED,
        },
      });
    }
    if (this.can('deletecollection')) {
      pathItem.delete = this.operation('deletecollection', `delete${this.idGroupVersion}Collection${this.idScope}`, `delete collection of ${kind}`, {
        parameters: queryParameters(DELETE_COLLECTION_PARAMETERS, 'deletecollection'),
        requestBody: { content: content(['*/*'], `${META}DeleteOptions`) },
        responses: { '200': { description: 'OK', content: content(OBJECT_MEDIA_TYPES, `${META}Status`) }, ...UNAUTHORIZED },
      });
    }
    this.paths[path] = pathItem;
  }

  private addItem(path: string): void {
    const { kind } = this.resource;
    const pathItem: PathItem = { parameters: this.scopeParameters(true) };
    Object.assign(pathItem, this.readWriteOperations('', '', this.schemas.object, this.gvk));
    if (this.can('delete')) {
      const status = { description: 'OK', content: content(OBJECT_MEDIA_TYPES, `${META}Status`) };
      pathItem.delete = this.operation('delete', this.operationId('delete'), `delete a ${kind}`, {
        parameters: queryParameters(DELETE_PARAMETERS, 'delete'),
        requestBody: { content: content(['*/*'], `${META}DeleteOptions`) },
        responses: { '200': status, '202': { ...status, description: 'Accepted' }, ...UNAUTHORIZED },
      });
    }
    this.paths[path] = pathItem;
  }

  /** get, put and patch of an object or one of its subresources ("status of the specified Deployment"). */
  private readWriteOperations(idSuffix: string, subject: string, schema: string, gvk: GroupVersionKind): PathItem {
    const what = `${subject}the specified ${this.resource.kind}`;
    const ok = { description: 'OK', content: content(OBJECT_MEDIA_TYPES, schema) };
    const okOrCreated = { '200': ok, '201': { ...ok, description: 'Created' }, ...UNAUTHORIZED };
    const out: PathItem = {};
    if (this.can('get')) {
      out.get = this.operation('get', this.operationId('read', idSuffix), `read ${what}`, { responses: { '200': ok, ...UNAUTHORIZED } }, gvk);
    }
    if (this.can('update')) {
      out.put = this.operation('put', this.operationId('replace', idSuffix), `replace ${what}`, {
        parameters: queryParameters(WRITE_PARAMETERS, 'put'),
        requestBody: { content: content(['*/*'], schema), required: true },
        responses: okOrCreated,
      }, gvk);
    }
    if (this.can('patch')) {
      out.patch = this.operation('patch', this.operationId('patch', idSuffix), `partially update ${what}`, {
        parameters: queryParameters([...WRITE_PARAMETERS, 'force'], 'patch'),
        requestBody: {
          content: content(this.schemas.strategicMerge === false ? PATCH_MEDIA_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json') : PATCH_MEDIA_TYPES, `${META}Patch`),
          required: true,
        },
        responses: okOrCreated,
      }, gvk);
    }
    return out;
  }

  private addSubresource(path: string, idSuffix: string, name: string, schema: string, gvk: GroupVersionKind): void {
    this.paths[path] = { parameters: this.scopeParameters(true), ...this.readWriteOperations(idSuffix, `${name} of `, schema, gvk) };
  }

  private addAllNamespacesList(): void {
    const { kind, plural } = this.resource;
    this.paths[`${this.root}/${plural}`] = {
      parameters: byName(queryParameters([...LIST_PARAMETERS, 'pretty'], 'list')),
      get: this.operation('list', `list${this.idGroupVersion}${kind}ForAllNamespaces`, `list or watch objects of kind ${kind}`, {
        responses: { '200': { description: 'OK', content: content(STREAM_MEDIA_TYPES, this.schemas.list) }, ...UNAUTHORIZED },
      }),
    };
  }

  private addWatches(scope: string): void {
    const { kind, plural, namespaced } = this.resource;
    const watchParameters = queryParameters([...LIST_PARAMETERS, 'pretty'], 'watchlist');
    const watchEvent = { '200': { description: 'OK', content: content(STREAM_MEDIA_TYPES, `${META}WatchEvent`) }, ...UNAUTHORIZED };
    const deprecated = "deprecated: use the 'watch' parameter with a list operation instead";
    const watchRoot = `${this.root}/watch${scope}`;
    this.paths[watchRoot] = {
      parameters: byName([...watchParameters, ...this.scopeParameters(false).filter((p) => p.in === 'path')]),
      get: this.operation('watchlist', this.operationId('watch', 'List'), `watch individual changes to a list of ${kind}. ${deprecated}.`, { responses: watchEvent }),
    };
    this.paths[`${watchRoot}/{name}`] = {
      parameters: byName([...watchParameters, ...this.scopeParameters(true).filter((p) => p.in === 'path')]),
      get: this.operation(
        'watch',
        this.operationId('watch'),
        `watch changes to an object of kind ${kind}. ${deprecated}, filtered to a single item with the 'fieldSelector' parameter.`,
        { responses: watchEvent },
      ),
    };
    if (namespaced) {
      this.paths[`${this.root}/watch/${plural}`] = {
        parameters: byName(watchParameters),
        get: this.operation('watchlist', `watch${this.idGroupVersion}${kind}ListForAllNamespaces`, `watch individual changes to a list of ${kind}. ${deprecated}.`, {
          responses: watchEvent,
        }),
      };
    }
  }
}

/** The paths kube-apiserver serves for one resource. */
export function resourcePaths(resource: ResourceInfo, schemas: ResourceSchemas): Record<string, PathItem> {
  return new ResourcePaths(resource, schemas).build();
}

/** GET /apis/<group>/<version>/ (or /api/v1/): the APIResourceList of the group-version. */
export function groupVersionRootPath(group: string, version: string): Record<string, PathItem> {
  const root = group === '' ? `/api/${version}/` : `/apis/${group}/${version}/`;
  return {
    [root]: {
      get: {
        description: 'get available resources',
        operationId: `get${operationGroupVersion(group, version)}APIResources`,
        tags: [operationTag(group, version)],
        responses: { '200': { description: 'OK', content: content(OBJECT_MEDIA_TYPES, `${META}APIResourceList`) }, ...UNAUTHORIZED },
        'x-kubernetes-action': 'get',
      },
    },
  };
}
