// Kubernetes' slowStartBatch: create in batches of 1, 2, 4, … so that a
// template that fails (invalid, quota) costs one call, not hundreds.
export async function slowStartBatch(count: number, initialBatchSize: number, create: () => Promise<void>): Promise<{ succeeded: number; error?: unknown }> {
  let remaining = count;
  let succeeded = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => create()));
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    succeeded += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { succeeded, error: failed.reason };
    remaining -= batch;
  }
  return { succeeded };
}
