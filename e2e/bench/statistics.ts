/** The q-quantile (0..1) of the samples, by nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** The median and the 95th percentile of some samples, and how many there were. */
export interface Summary {
  p50: number;
  p95: number;
  n: number;
}

/** p50 and p95 of the samples. */
export function summary(samples: readonly number[]): Summary {
  return { p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), n: samples.length };
}

/** A number with `digits` decimals, for the table. */
export const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The median of several runs' values, and their range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The median and range of one number measured in several runs. */
export function spread(values: readonly number[]): Spread {
  return { median: quantile(values, 0.5), min: Math.min(...values), max: Math.max(...values) };
}
