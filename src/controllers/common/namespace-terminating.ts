// Creating in a namespace that is being deleted fails with Forbidden; for a
// controller that is final (the namespace is going), not a reason to retry.
// Kubernetes marks the error with a NamespaceTerminating cause; the message
// is checked too, for servers that send none.
export function isNamespaceTerminating(err: unknown): boolean {
  const e = err as { code?: number; message?: string; details?: { causes?: { reason?: string }[] } } | undefined;
  if (e?.code !== 403) return false;
  return (e.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating') || /because it is being terminated/.test(e.message ?? '');
}
