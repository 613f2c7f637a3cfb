// Resource quantities ("500m", "64Mi") as plain numbers, for cgroup limits
// and node capacity arithmetic where float precision is plenty.
import { parseQuantity as parseExact } from '../api/validation/quantity.js';

export function parseQuantity(input: string | number): number {
  const q = parseExact(input);
  return Number(q.mantissa) * 10 ** q.scale;
}
