/**
 * API quotas as AWS applies them: a token bucket per operation (or per group of operations sharing a quota), refilled
 * at the published rate, up to the published burst. A call that finds the bucket empty is throttled (HTTP 400
 * `ThrottlingException`, which the SDK retries with its throttling backoff). Published values: us-east-1, us-west-2
 * and eu-west-1 (platform notes, "Quotas"); other regions are lower. `scale` multiplies every rate and burst, for a
 * compressed timeline.
 */
export interface QuotaSpec {
  /** Operations sharing the bucket, as `<target prefix>.<Operation>`. */
  readonly operations: readonly string[];
  /** Calls per second. */
  readonly rate: number;
  readonly burst: number;
}

/** The published quotas of every operation the product calls (others are unlimited here). */
export const PUBLISHED_QUOTAS: readonly QuotaSpec[] = [
  { operations: ['AWSStepFunctions.StartExecution'], rate: 300, burst: 800 },
  { operations: ['AWSStepFunctions.DescribeExecution'], rate: 15, burst: 300 },
  { operations: ['AWSStepFunctions.ListExecutions'], rate: 5, burst: 200 },
  { operations: ['AWSStepFunctions.GetExecutionHistory'], rate: 250, burst: 500 },
  { operations: ['secretsmanager.DescribeSecret', 'secretsmanager.GetSecretValue'], rate: 10_000, burst: 10_000 },
  // Writes: PutSecretValue, UpdateSecretVersionStage and the other writes share 50/s, not adjustable.
  { operations: ['secretsmanager.PutSecretValue', 'secretsmanager.UpdateSecretVersionStage', 'secretsmanager.RotateSecret', 'secretsmanager.CreateSecret'], rate: 50, burst: 50 },
  { operations: ['secretsmanager.GetRandomPassword'], rate: 50, burst: 50 },
  { operations: ['TrentService.Encrypt', 'TrentService.Decrypt'], rate: 10_000, burst: 10_000 },
];

class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.at = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface QuotaOptions {
  readonly quotas?: readonly QuotaSpec[];
  /** Multiplies every rate and burst. Default: 1. */
  readonly scale?: number;
  readonly now?: () => number;
}

/** The quotas of one local endpoint, and what they throttled. */
export class Quotas {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly throttled = new Map<string, number>();
  private blackout: { until: number; prefixes: readonly string[] } | undefined;
  private readonly now: () => number;

  constructor(options: QuotaOptions = {}) {
    this.now = options.now ?? Date.now;
    const scale = options.scale ?? 1;
    for (const spec of options.quotas ?? []) {
      const bucket = new TokenBucket(spec.rate * scale, Math.max(1, spec.burst * scale), this.now);
      for (const operation of spec.operations) this.buckets.set(operation, bucket);
    }
  }

  /** Whether a call to `target` (`<prefix>.<Operation>`) may go through now; counts it if throttled. */
  admit(target: string): boolean {
    const blackedOut = this.blackout !== undefined && this.now() < this.blackout.until && this.blackout.prefixes.some((prefix) => target.startsWith(prefix));
    const admitted = !blackedOut && (this.buckets.get(target)?.take() ?? true);
    if (!admitted) this.throttled.set(target, (this.throttled.get(target) ?? 0) + 1);
    return admitted;
  }

  /** Throttles every call to the services with these target prefixes (e.g. `secretsmanager`) for `ms`. */
  throttleAll(ms: number, prefixes: readonly string[]): void {
    this.blackout = { until: this.now() + ms, prefixes };
  }

  /** Calls throttled so far, by operation. */
  throttledCalls(): Record<string, number> {
    return Object.fromEntries(this.throttled);
  }
}
