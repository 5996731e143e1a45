/**
 * AWS list prices (US East, N. Virginia; on-demand, no free tier) for what one rotation uses, and the cost it implies.
 * Checked against the public pricing pages on 2026-11-23; update `PRICES_AS_OF` with them.
 */
export const PRICES_AS_OF = '2026-11-23';

export const LIST_PRICES_USD = {
  /** Step Functions Standard: per state transition ($0.025 per 1,000). */
  stateTransition: 0.025 / 1_000,
  /** Lambda: per request ($0.20 per million). */
  lambdaRequest: 0.2 / 1_000_000,
  /** Lambda: per GB-second of duration, by architecture. */
  lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  /** Secrets Manager: per API call ($0.05 per 10,000). */
  secretsManagerApiCall: 0.05 / 10_000,
  /** KMS: per symmetric-key request ($0.03 per 10,000). */
  kmsRequest: 0.03 / 10_000,
} as const;

export type Architecture = keyof (typeof LIST_PRICES_USD)['lambdaGbSecond'];

/** One Lambda invocation as Lambda bills it: duration rounded up to the millisecond, at the function's memory. */
export interface BilledInvocation {
  readonly durationMs: number;
  readonly memoryMb: number;
  readonly architecture: Architecture;
}

export interface UsagePerRotation {
  readonly stateTransitions: number;
  readonly invocations: readonly BilledInvocation[];
  readonly secretsManagerCalls: number;
  readonly kmsCalls: number;
}

export interface CostPerRotation {
  readonly stateTransitionsUsd: number;
  readonly lambdaRequestsUsd: number;
  readonly lambdaDurationUsd: number;
  /** What the target counts: transitions, Lambda requests and GB-seconds. */
  readonly targetScopeUsd: number;
  /** Secrets Manager API calls and KMS requests, shown beside it. */
  readonly apiCallsUsd: number;
  readonly totalUsd: number;
}

export function gbSeconds(invocation: BilledInvocation): number {
  return (Math.ceil(invocation.durationMs) / 1000) * (invocation.memoryMb / 1024);
}

export function costOf(usage: UsagePerRotation): CostPerRotation {
  const stateTransitionsUsd = usage.stateTransitions * LIST_PRICES_USD.stateTransition;
  const lambdaRequestsUsd = usage.invocations.length * LIST_PRICES_USD.lambdaRequest;
  const lambdaDurationUsd = usage.invocations.reduce((sum, inv) => sum + gbSeconds(inv) * LIST_PRICES_USD.lambdaGbSecond[inv.architecture], 0);
  const apiCallsUsd = usage.secretsManagerCalls * LIST_PRICES_USD.secretsManagerApiCall + usage.kmsCalls * LIST_PRICES_USD.kmsRequest;
  const targetScopeUsd = stateTransitionsUsd + lambdaRequestsUsd + lambdaDurationUsd;
  return { stateTransitionsUsd, lambdaRequestsUsd, lambdaDurationUsd, targetScopeUsd, apiCallsUsd, totalUsd: targetScopeUsd + apiCallsUsd };
}
