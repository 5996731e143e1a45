import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { RotatorError } from '../errors';
import { METRIC, rotatorMetrics } from '../metrics/metrics';

/** Error codes AWS services use for throttling (as the SDK's retry strategy classifies them). */
const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'BandwidthLimitExceeded',
]);

/** An AWS call throttled past the SDK's own retries. */
export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const retryable = (error as { $retryable?: { throttling?: boolean } }).$retryable;
  return THROTTLING_CODES.has(error.name) || retryable?.throttling === true;
}

/**
 * An AWS API call was still throttled after the SDK's retries (adaptive, with backoff). Nothing is lost: the
 * workflow retries the task later with jittered backoff, and the rotation function's step is retried by Secrets
 * Manager. What binds is the account's API quota (README "Quotas").
 */
export class AwsThrottledError extends RotatorError {
  static override readonly errorName = 'AwsThrottledError';
  constructor(
    readonly service: string,
    readonly code: string,
    options: { secretArn?: string; step?: string } = {},
  ) {
    super(
      `${options.secretArn === undefined ? '' : `Secret ${options.secretArn}: `}an AWS call to ${service} was throttled (${code}) beyond its retries; ` +
        'it will be retried with backoff. If this persists, raise the quota that binds (README "Quotas")',
      options,
    );
  }
}

/** The AWS service of an SDK error, from its metadata, when it names one. */
export function serviceOf(error: Error): string {
  const fault = error as { $metadata?: unknown; $service?: string };
  return fault.$service ?? 'an AWS service';
}

/** The SDK middleware stack, as much of it as counting throttled attempts needs. */
interface WithMiddlewareStack {
  readonly middlewareStack: {
    add(middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>, options: { step: 'deserialize'; priority: 'high'; name: string }): void;
  };
}

/**
 * Counts every throttled attempt of a client's calls (metric `AwsCallsThrottled`, README "Alarms and notifications"),
 * whether the SDK's retries then absorb it or the call gives up with it (`AwsThrottledError`). The middleware sits in
 * the deserialize step, inside the retry loop, so it sees each attempt. The counts are written out at the end of the
 * invocation (`flushMetrics`).
 */
export function countThrottledAttempts<T>(client: T): T {
  const stack = (client as Partial<WithMiddlewareStack>).middlewareStack;
  stack?.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isThrottling(error)) rotatorMetrics().addMetric(METRIC.awsCallsThrottled, MetricUnit.Count, 1);
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'countThrottledAttempts' },
  );
  return client;
}
