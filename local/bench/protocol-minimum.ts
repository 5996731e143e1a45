import { VENDORS } from '../../lambda/device/types';
import { simulatorModule } from '../simulators';

/**
 * The fewest device requests a scheduled rotation can make on each vendor's API: log in with the current password,
 * change it, and prove that the new one logs in. Counted by the simulators' operation names (see each simulator).
 * Logouts are not in the minimum (the protocol works without them): the rotator sends one for each session it opened
 * and the device keeps, on purpose, and the benchmark reports them on their own line.
 */
export interface ProtocolMinimum {
  /** Requests per operation name. */
  readonly requests: Readonly<Record<string, number>>;
  /** Operations that only close a session. */
  readonly sessionClose: readonly string[];
  readonly why: string;
}

/** A benchmark subject: a vendor as deployed one way (`SimulatorModule.benchVariants`). */
export type BenchSubject = string;

/** The protocol minimum of every bench subject, from the simulator modules. */
export const PROTOCOL_MINIMUM: Readonly<Record<BenchSubject, ProtocolMinimum>> = Object.fromEntries(
  VENDORS.flatMap((vendor) => simulatorModule(vendor).benchVariants.map((variant) => [variant.name, variant.protocolMinimum])),
);

export interface RoundTripCount {
  readonly total: number;
  readonly minimum: number;
  readonly sessionCloses: number;
  /** Requests beyond the minimum that are not session closes, by operation. */
  readonly extra: Readonly<Record<string, number>>;
  readonly extraTotal: number;
  /** Operations the minimum expects that the rotation did not make (the minimum table is wrong, or the run failed). */
  readonly missing: Readonly<Record<string, number>>;
  readonly byOperation: Readonly<Record<string, number>>;
}

export function countRoundTrips(operations: readonly string[], minimum: ProtocolMinimum): RoundTripCount {
  const byOperation: Record<string, number> = {};
  for (const operation of operations) byOperation[operation] = (byOperation[operation] ?? 0) + 1;
  const extra: Record<string, number> = {};
  const missing: Record<string, number> = {};
  let sessionCloses = 0;
  for (const [operation, count] of Object.entries(byOperation)) {
    if (minimum.sessionClose.includes(operation)) {
      sessionCloses += count;
      continue;
    }
    const over = count - (minimum.requests[operation] ?? 0);
    if (over > 0) extra[operation] = over;
  }
  for (const [operation, expected] of Object.entries(minimum.requests)) {
    const under = expected - (byOperation[operation] ?? 0);
    if (under > 0) missing[operation] = under;
  }
  return {
    total: operations.length,
    minimum: Object.values(minimum.requests).reduce((sum, n) => sum + n, 0),
    sessionCloses,
    extra,
    extraTotal: Object.values(extra).reduce((sum, n) => sum + n, 0),
    missing,
    byOperation,
  };
}
