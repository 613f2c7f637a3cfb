// How kube-apiserver names things in its OpenAPI documents: operation IDs
// like listAppsV1NamespacedDeployment, tags like apps_v1, and the
// group-version keys of /openapi/v3 (api/v1, apis/apps/v1).

/** "apps" → ["apps"], "coordination.k8s.io" → ["coordination"], "stable.example.com" → ["stable", "example", "com"]. */
function groupWords(group: string): string[] {
  if (group === '') return ['core'];
  return group.replace(/\.k8s\.io$/, '').split(/[.-]/).filter((word) => word !== '');
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** "AppsV1", "CoreV1", "RbacAuthorizationV1": the middle of every operation ID. */
export function operationGroupVersion(group: string, version: string): string {
  return groupWords(group).map(capitalize).join('') + capitalize(version);
}

/** "apps_v1", "core_v1", "rbacAuthorization_v1". */
export function operationTag(group: string, version: string): string {
  const [first = '', ...rest] = groupWords(group);
  return `${first}${rest.map(capitalize).join('')}_${version}`;
}

/** "api/v1" for the core group, "apis/<group>/<version>" otherwise: the key under /openapi/v3. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}
