import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { countThrottledAttempts } from '../../../lambda/aws/throttling';
import { rotatorMetrics } from '../../../lambda/metrics/metrics';

/**
 * `AwsCallsThrottled`: every throttled attempt of a call is counted, those the SDK's retries absorb and the one it
 * gives up on, by a middleware inside the retry loop. The SDK's own retry runs against a stubbed transport.
 */
function clientAnswering(statuses: number[]): SecretsManagerClient {
  const answers = [...statuses];
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 3,
    retryStrategy: undefined,
    requestHandler: {
      handle: async () => {
        const status = answers.shift() ?? 200;
        const body = status === 200 ? JSON.stringify({ ARN: 'arn', SecretString: '{}' }) : JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' });
        const { Readable } = await import('node:stream');
        return { response: { statusCode: status, headers: { 'content-type': 'application/x-amz-json-1.1', ...(status === 200 ? {} : { 'x-amzn-errortype': 'ThrottlingException' }) }, body: Readable.from([Buffer.from(body)]) } };
      },
    } as never,
  });
  return countThrottledAttempts(client);
}

const counted = () => {
  const emf = rotatorMetrics().serializeMetrics() as unknown as Record<string, unknown>;
  rotatorMetrics().clearMetrics();
  return (emf.AwsCallsThrottled as number | number[] | undefined) ?? 0;
};
const sum = (value: number | number[]) => (Array.isArray(value) ? value.reduce((a, b) => a + b, 0) : value);

beforeEach(() => rotatorMetrics().clearMetrics());

test('two throttled attempts absorbed by the retries: the call succeeds, two are counted', async () => {
  await expect(clientAnswering([400, 400, 200]).send(new GetSecretValueCommand({ SecretId: 'x' }))).resolves.toMatchObject({ ARN: 'arn' });
  expect(sum(counted())).toBe(2);
});

test('throttled on every attempt: the call gives up, each attempt is counted', async () => {
  await expect(clientAnswering([400, 400, 400]).send(new GetSecretValueCommand({ SecretId: 'x' }))).rejects.toMatchObject({ name: 'ThrottlingException' });
  expect(sum(counted())).toBe(3);
});

test('no throttling: nothing counted', async () => {
  await clientAnswering([200]).send(new GetSecretValueCommand({ SecretId: 'x' }));
  expect(counted()).toBe(0);
});
