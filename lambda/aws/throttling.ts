import { RotatorError } from '../errors';

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
