/** The value below which a share `q` (0..1) of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * A distribution-free 95% confidence interval of the median (order statistics, normal
 * approximation of the binomial): with n values, the true median lies between these two with
 * about 95% probability, whatever the shape of the noise.
 */
export function medianInterval(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const reach = (1.96 * Math.sqrt(n)) / 2;
  const lower = Math.max(0, Math.floor(n / 2 - reach) - 1);
  const upper = Math.min(n - 1, Math.ceil(n / 2 + reach));
  return [sorted[lower] as number, sorted[upper] as number];
}
