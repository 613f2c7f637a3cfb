// Column definitions shared by the printers. Names, types, formats and
// priorities are those of pkg/printers/internalversion AddHandlers; kubectl
// upper-cases the names itself and hides priority 1 unless `-o wide`.

import type { TableColumnDefinition } from '../types.js';

type ColumnType = TableColumnDefinition['type'];

/** A column shown by default (priority 0). */
export function column(name: string, type: ColumnType, description: string): TableColumnDefinition {
  return { name, type, format: '', description, priority: 0 };
}

/** A column kubectl only shows with `-o wide` (priority 1). */
export function wideColumn(name: string, type: ColumnType, description: string): TableColumnDefinition {
  return { name, type, format: '', description, priority: 1 };
}

// ObjectMeta's own field documentation, which Kubernetes uses for these two columns.
export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** The "Name" column: format "name" tells kubectl this cell identifies the object. */
export const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: NAME_DESCRIPTION,
  priority: 0,
};

/** "Age" is typed string: the server sends it already humanised ("5m"). */
export const AGE_COLUMN = column('Age', 'string', CREATION_TIMESTAMP_DESCRIPTION);

// The three wide columns every pod-template owner (Deployment, Job, ...) appends.
export const CONTAINERS_COLUMN = wideColumn('Containers', 'string', 'Names of each container in the template.');
export const IMAGES_COLUMN = wideColumn('Images', 'string', 'Images referenced by each container in the template.');
export function selectorColumn(description: string): TableColumnDefinition {
  return wideColumn('Selector', 'string', description);
}
