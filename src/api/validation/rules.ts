import type { FieldError, KubeObject } from '../types.js';

/** A kind's validation: create rules, and update rules (create rules plus immutability). */
export interface KindRules {
  create: (obj: KubeObject) => FieldError[];
  update: (obj: KubeObject, old: KubeObject) => FieldError[];
}
