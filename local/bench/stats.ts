/** Small statistics the benchmarks share. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The `p`th percentile (nearest rank) of values sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** API call counts (`<service prefix>.<operation>` → n) that grew from `before` to `after`, by how much. */
export function callsSince(after: Readonly<Record<string, number>>, before: Readonly<Record<string, number>>): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [name, count] of Object.entries(after)) if (count - (before[name] ?? 0) > 0) grown[name] = count - (before[name] ?? 0);
  return grown;
}

/** The calls to one service, e.g. `secretsmanager.`, `TrentService.` (KMS), `AWSStepFunctions.`. */
export function callsTo(calls: Readonly<Record<string, number>>, servicePrefix: string): number {
  return Object.entries(calls)
    .filter(([name]) => name.startsWith(servicePrefix))
    .reduce((total, [, n]) => total + n, 0);
}
