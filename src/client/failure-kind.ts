// What a failed API call means for someone keeping a lease alive through the
// API (a node heartbeat, a leader renewing its Lease object): see
// RenewFailureKind in src/time/lease-keeper.ts.
import type { RenewFailureKind } from '../time/lease-keeper.js';
import { ApiStatusError, UnreachableError } from './rest-client.js';

export function classifyApiFailure(error: unknown): RenewFailureKind {
  if (error instanceof UnreachableError) return 'unreachable';
  if (error instanceof ApiStatusError) {
    if (error.code === 409) return 'conflict';
    // The object is gone (deleted, or expired with its store lease).
    if (error.code === 404 || error.code === 410) return 'gone';
    // Overloaded, restarting or timing out: the server is there but cannot answer now.
    if (error.code === 429 || error.code >= 500) return 'unreachable';
  }
  // Anything else (403, 422, a bug) will not heal by retrying, but the lease
  // may still be ours until it expires: retry, and let expiry decide.
  return 'unreachable';
}
