import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { PUBLISHED_QUOTAS } from '../../local/aws/quotas';
import { runFleet } from '../../local/bench/fleet';
import { CHANGE_REQUEST, deviceSecretFor, startSimulator } from '../../local/simulators';
import { useLocalEngine } from '../helpers/engine-harness';

/**
 * Throttling end to end: the functions' AWS calls go through the local endpoint's quotas (token buckets at the
 * published rates, scaled down here so that they bind), and can be throttled outright for a while. A throttled call is
 * retried by the SDK (adaptive mode), then by the workflow (AwsThrottledError), then by Secrets Manager's reattempts:
 * the rotation completes once the throttling ends, and the device changes once.
 */
const USER = 'admin';
/** The published quotas, but DescribeExecution (which the rotation function polls) far lower, so that it binds. */
const QUOTAS = PUBLISHED_QUOTAS.map((quota) => (quota.operations.includes('AWSStepFunctions.DescribeExecution') ? { ...quota, rate: 2, burst: 1 } : quota));
const harness = useLocalEngine({ quotas: { quotas: QUOTAS }, rotationReattempts: 2 });

async function device(name: string) {
  const password = harness.canary('old');
  const simulated = await startSimulator('oracle-unified-assurance', { users: [{ username: USER, password }] });
  harness.devices.push(simulated);
  const secretArn = await harness.engine.createDeviceSecret(name, deviceSecretFor(simulated, { username: USER, password }));
  return { device: simulated, secretArn, password };
}

test('every Secrets Manager, Step Functions and KMS call throttled for 3 s during a rotation: it completes once the throttling ends, with one device change', async () => {
  const { engine } = harness;
  const { device: simulated, secretArn, password } = await device('throttled/blackout');
  // The change takes a moment, so that the blackout starts while the rotation is under way.
  simulated.injectFault({ ...CHANGE_REQUEST['oracle-unified-assurance'], fault: { kind: 'latency', ms: 300 } });
  const before = engine.quotas.throttledCalls();
  await engine.clients.secretsManager.send(new RotateSecretCommand({ SecretId: secretArn, RotationLambdaARN: engine.rotationFunctionArn, RotateImmediately: true, RotationRules: { AutomaticallyAfterDays: 30 } }));
  engine.quotas.throttleAll(3_000, ['secretsmanager', 'AWSStepFunctions', 'TrentService']);
  await engine.secrets.rotationSettled(secretArn);

  expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
  const stored = engine.stored(secretArn);
  harness.secretsSeen.push(stored.current as string);
  expect(stored.previous).toBe(password);
  expect(simulated.passwordOf(USER)).toBe(stored.current);
  expect(simulated.account(USER).passwordChanges).toBe(1);
  expect(simulated.account(USER).failedLogins).toBe(0);
  const throttled = engine.quotas.throttledCalls();
  const grew = (prefix: string) => Object.entries(throttled).some(([op, n]) => op.startsWith(prefix) && n > (before[op] ?? 0));
  expect(grew('secretsmanager.')).toBe(true);
  expect(grew('AWSStepFunctions.')).toBe(true);
}, 60_000);

test('six rotations at once under quotas that bind (DescribeExecution at 2/s, burst 1): all complete, each device changes once', async () => {
  const { engine } = harness;
  const devices = await Promise.all(Array.from({ length: 6 }, (_, i) => device(`throttled/fleet-${i}`)));
  const before = engine.quotas.throttledCalls()['AWSStepFunctions.DescribeExecution'] ?? 0;
  await Promise.all(devices.map(({ secretArn }) => engine.rotateSecret(secretArn)));
  for (const { device: simulated, secretArn } of devices) {
    expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
    harness.secretsSeen.push(engine.stored(secretArn).current as string);
    expect(simulated.passwordOf(USER)).toBe(engine.stored(secretArn).current);
    expect(simulated.account(USER).passwordChanges).toBe(1);
  }
  expect(engine.quotas.throttledCalls()['AWSStepFunctions.DescribeExecution'] ?? 0).toBeGreaterThan(before);
}, 120_000);

// The bench's fleet run itself (`npm run bench -- --only fleet`: 10,000 secrets), small: the same devices behind shared
// listeners, the same seeding, rotations and checks.
test('a small fleet (8 secrets, every vendor) under those quotas, with listings lagging 500 ms: no failure, nothing stuck, throttling absorbed', async () => {
  const { engine } = harness;
  engine.stepFunctions.listingLagMs = 500;
  try {
    const result = await runFleet(engine, { devices: 8, concurrency: 4, latencyMs: 0 });
    for (const arn of engine.secrets.secretArns()) harness.secretsSeen.push(...engine.stored(arn).all);
    expect(result.failures).toEqual([]);
    expect(result.onNewPassword).toBe(8);
    expect(result.stuck).toBe(0);
    expect(result.throttledCalls).toBeGreaterThan(0);
    expect(result.listeners).toBe(4);
    expect(result.conditions).toMatchObject({ quotas: true, listingLagMs: 500, rotationReattempts: 2 });
  } finally {
    engine.stepFunctions.listingLagMs = 0;
  }
}, 120_000);
