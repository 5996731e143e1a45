import { countThrottledAttempts } from './throttling';

/**
 * An SDK client made on first use and reused across invocations, as Lambda wants. It is made again if its endpoint
 * setting (`endpointVariable`, else `AWS_ENDPOINT_URL`) changes: only the local stand-ins do that, between runs.
 *
 * Each client has a module of its own (`kms-client.ts`, …) so that a function's bundle requires only the SDK packages
 * it calls: loading an unused one still costs cold-start time.
 */
export function cachedClient<T>(endpointVariable: string, make: () => T): () => T {
  // Every client counts its throttled attempts (metric AwsCallsThrottled).
  let client: T | undefined;
  let madeFor: string | undefined;
  return () => {
    const endpoint = process.env[endpointVariable] ?? process.env.AWS_ENDPOINT_URL;
    if (client === undefined || endpoint !== madeFor) {
      client = countThrottledAttempts(make());
      madeFor = endpoint;
    }
    return client;
  };
}

/**
 * How every AWS client of the rotator retries: adaptive mode (client-side rate limiting once throttled, on top of
 * exponential backoff with jitter) and more attempts than the SDK's 3, so that a burst of throttling is absorbed in
 * the call rather than failing the step. `AWS_MAX_ATTEMPTS` overrides the attempts (tests use fewer).
 */
export function retryConfig(): { retryMode: 'adaptive'; maxAttempts: number } {
  const fromEnv = Number(process.env.AWS_MAX_ATTEMPTS);
  return { retryMode: 'adaptive', maxAttempts: Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 10 };
}
