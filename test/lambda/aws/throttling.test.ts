import { AwsThrottledError, isThrottling } from '../../../lambda/aws/throttling';
import { explain } from '../../../lambda/handlers/task-handler';
import { pollDelay } from '../../../lambda/rotation/executions';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:devices/gw-1-AbCdEf';

test('a throttled AWS call, whatever its service calls it, becomes AwsThrottledError naming the secret and the task', () => {
  // What the SDK throws for a throttled call with no modelled exception: the code as name, `$retryable.throttling`.
  const sdk = Object.assign(new Error('Rate exceeded'), { name: 'SomeServiceRateError', $retryable: { throttling: true }, $metadata: {} });
  expect(isThrottling(sdk)).toBe(true);
  const named = Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' });
  expect(isThrottling(named)).toBe(true);
  expect(isThrottling(new Error('boom'))).toBe(false);
  const explained = explain(sdk, SECRET, 'describe');
  expect(explained).toBeInstanceOf(AwsThrottledError);
  expect(explained.name).toBe('AwsThrottledError');
  expect(explained.message).toContain(SECRET);
  expect((explained as AwsThrottledError).step).toBe('describe');
  expect(explained.message).toMatch(/README "Quotas"/);
});

test('polling backs off from the interval to at most 4 intervals, with jitter of ±25%', () => {
  const low = () => 0;
  const high = () => 0.999999;
  expect(pollDelay(2_000, 0, low)).toBe(1_500);
  expect(pollDelay(2_000, 0, high)).toBe(2_500);
  expect(pollDelay(2_000, 1, low)).toBe(2_250);
  expect(pollDelay(2_000, 10, low)).toBe(6_000);
  expect(pollDelay(2_000, 10, high)).toBe(10_000);
  const spread = new Set(Array.from({ length: 20 }, () => pollDelay(2_000, 2)));
  expect(spread.size).toBeGreaterThan(1);
});
