import { PUBLISHED_QUOTAS, type QuotaSpec } from '../aws/quotas';

export interface FleetCeiling {
  /** Rotations the quota allows in one window, at the measured calls per rotation. */
  readonly rotationsPerWindow: number;
  /** The quota's operations, e.g. `AWSStepFunctions.DescribeExecution`. */
  readonly quota: string;
  readonly rate: number;
  readonly callsPerRotation: number;
}

/**
 * The largest fleet each published quota supports per rotation window, from the API calls a rotation measurably
 * makes: quota rate × window ÷ calls per rotation (bursts ignored: a fleet rotates for the whole window). The first
 * entry is the quota that binds first.
 */
export function fleetCeilings(apiCallsPerRotation: Readonly<Record<string, number>>, windowHours: number, quotas: readonly QuotaSpec[] = PUBLISHED_QUOTAS): FleetCeiling[] {
  const ceilings: FleetCeiling[] = [];
  for (const quota of quotas) {
    const calls = quota.operations.reduce((sum, operation) => sum + (apiCallsPerRotation[operation] ?? 0), 0);
    if (calls === 0) continue;
    ceilings.push({
      rotationsPerWindow: Math.floor((quota.rate * windowHours * 3600) / calls),
      quota: quota.operations.join(' + '),
      rate: quota.rate,
      callsPerRotation: calls,
    });
  }
  return ceilings.sort((a, b) => a.rotationsPerWindow - b.rotationsPerWindow);
}
