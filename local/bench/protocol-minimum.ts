import type { Vendor } from '../../lambda/device/types';

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

export type BenchSubject = Vendor | 'wso2-emm (dynamic registration)';

export const PROTOCOL_MINIMUM: Record<BenchSubject, ProtocolMinimum> = {
  'multitech-mpower': {
    requests: { login: 2, passwd: 5 },
    sessionClose: ['logout'],
    why: 'login; passwd conversation: open, acknowledge the info message, current, new, retype; login with the new password',
  },
  'wso2-emm': {
    requests: { token: 2, 'change-password': 1 },
    sessionClose: [],
    why: 'password grant (OAuth client from the secret); change-password; password grant with the new password',
  },
  'wso2-emm (dynamic registration)': {
    requests: { register: 1, token: 2, 'change-password': 1 },
    sessionClose: [],
    why: 'register the OAuth client once; password grant; change-password; password grant with the new password',
  },
  'oracle-sdwan-edge': {
    requests: { login: 2, 'change-password': 1 },
    sessionClose: ['logout'],
    why: 'login (its answer carries the timestamp the change needs); changeLocalUserPwd; login with the new password',
  },
  'oracle-unified-assurance': {
    requests: { login: 2, 'change-password': 1 },
    sessionClose: ['logout'],
    why: 'executeLogin; executeChangePassword; executeLogin with the new password',
  },
};

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
