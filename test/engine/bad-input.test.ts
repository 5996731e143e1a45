import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { secretTag } from '../../lambda/rotation/execution-names';
import type { LocalEngine } from '../../local/engine/local-engine';
import type { SimulatedDevice } from '../../local/simulators';
import { startSimulator } from '../../local/simulators';
import { useLocalEngine } from '../helpers/engine-harness';

/**
 * Bad input (issue 5), through the real paths: `RotateSecret` (Secrets Manager calling the four steps), the rotation
 * function invoked directly as Secrets Manager would, and console executions. Each gives a clear error that names the
 * secret and what is wrong, contacts no device where the input says nothing usable about one, and leaves the secret's
 * versions as they were (but for the pending placeholder `RotateSecret` itself adds, and fills if createSecret ran).
 */
const USER = 'admin';

const harness = useLocalEngine();
const { secretsSeen } = harness;
const canary = (label: string) => harness.canary(label);
let engine: LocalEngine;
let device: SimulatedDevice;
let devicePassword: string;

beforeAll(async () => {
  engine = harness.engine;
  devicePassword = canary('dev');
  device = await startSimulator('oracle-sdwan-edge', { users: [{ username: USER, password: devicePassword }] });
  harness.devices.push(device);
});

/** A valid secret for the simulated device, to spoil one field at a time. */
function validSecret(): Record<string, unknown> {
  return {
    vendor: 'oracle-sdwan-edge',
    host: device.host,
    port: device.port,
    username: USER,
    password: devicePassword,
    tls: { certificateSha256: device.fingerprint256 },
  };
}

async function createRawSecret(name: string, secretString: string): Promise<string> {
  const created = await engine.clients.secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: secretString }));
  return created.ARN as string;
}

type VersionView = { VersionId: string; VersionStages: string[]; SecretString?: string };
const versionsOf = (secretArn: string): VersionView[] =>
  engine.secrets.versions(secretArn).map((v) => ({ VersionId: v.VersionId, VersionStages: [...v.VersionStages].sort(), SecretString: v.SecretString }));

/** The versions are those before, plus at most the rotation's own pending version (token `token`), staged AWSPENDING only. */
function expectUnchangedBut(secretArn: string, before: VersionView[], token: string | undefined, pendingFilled: boolean) {
  const after = versionsOf(secretArn);
  const others = after.filter((v) => v.VersionId !== token);
  expect(others).toEqual(before);
  if (token === undefined) return;
  const pending = after.find((v) => v.VersionId === token);
  expect(pending?.VersionStages).toEqual(['AWSPENDING']);
  if (pendingFilled) {
    expect(pending?.SecretString).toBeDefined();
    secretsSeen.push((JSON.parse(pending?.SecretString as string) as { password: string }).password);
  } else {
    expect(pending?.SecretString).toBeUndefined();
  }
}

/** A scheduled rotation of a secret whose AWSCURRENT is bad: createSecret refuses it, the device is never contacted. */
async function rotationRefused(name: string, secretString: string) {
  const secretArn = await createRawSecret(name, secretString);
  const before = versionsOf(secretArn);
  const requestsBefore = device.requests.length;
  await engine.rotateSecret(secretArn);
  const failure = engine.secrets.lastRotationError(secretArn);
  expect(failure?.step).toBe('createSecret');
  expect(failure?.errorType).toBe('InvalidDeviceSecretError');
  expect(failure?.errorMessage).toContain(`Device secret ${secretArn} (AWSCURRENT) is not valid`);
  expectUnchangedBut(secretArn, before, failure?.token, false);

  // A console execution is refused the same way, in its first task.
  const verify = await engine.runExecution({ action: 'verify', secretArn });
  expect(verify.status).toBe('FAILED');
  expect(verify.error).toBe('InvalidDeviceSecretError');
  expect(verify.cause).toContain(secretArn);
  expect(device.requests.length).toBe(requestsBefore);
  expect(device.passwordOf(USER)).toBe(devicePassword);
  return failure?.errorMessage ?? '';
}

describe('a device secret that is not valid', () => {
  test('malformed JSON: "SecretString is not JSON", no part of the text quoted', async () => {
    const broken = `{"vendor": "oracle-sdwan-edge", "password": "${canary('json')}"`;
    const message = await rotationRefused('bad/malformed-json', broken);
    expect(message).toMatch(/SecretString is not JSON/);
  });

  test('an unknown vendor: names the field and the vendors supported', async () => {
    const message = await rotationRefused('bad/unknown-vendor', JSON.stringify({ ...validSecret(), vendor: 'cisco-ios' }));
    expect(message).toMatch(/field "vendor" must be one of multitech-mpower, wso2-emm, oracle-sdwan-edge, oracle-unified-assurance/);
  });

  test('a missing field: names it as missing', async () => {
    const { username: _omitted, ...withoutUser } = validSecret();
    const message = await rotationRefused('bad/missing-field', JSON.stringify(withoutUser));
    expect(message).toMatch(/field "username" is missing \(required\)/);
  });

  test('a URL instead of a host (http://…): devices are only reached over HTTPS', async () => {
    const message = await rotationRefused('bad/http-host', JSON.stringify({ ...validSecret(), host: `http://${device.host}:${device.port}` }));
    expect(message).toMatch(/field "host" must be a host name or IP address, not a URL: devices are always reached over HTTPS/);
  });
});

describe('a valid secret the rotation cannot act on', () => {
  test('an unreachable host: DeviceUnreachableError naming the secret and the device; AWSCURRENT untouched', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const secretArn = await engine.createDeviceSecret('bad/unreachable', { ...validSecret(), port: closedPort });
    const before = versionsOf(secretArn);
    await engine.rotateSecret(secretArn);
    const failure = engine.secrets.lastRotationError(secretArn);
    expect(failure?.step).toBe('setSecret');
    expect(failure?.errorMessage).toContain(secretArn);
    expect(failure?.errorMessage).toMatch(/failed in state "SD-WAN Edge: Log in and change password": DeviceUnreachableError/);
    expect(failure?.errorMessage).toContain(`127.0.0.1:${closedPort}`);
    // The pending version createSecret made stays, for a console "rotate" to resume once the device is back.
    expectUnchangedBut(secretArn, before, failure?.token, true);
  });

  test('a token that is not a version of the secret: every step refuses it, naming the token; the device is not contacted', async () => {
    const secretArn = await engine.createDeviceSecret('bad/unknown-token', validSecret());
    await engine.rotateSecret(secretArn, { rotateImmediately: false }); // rotation configured (testSecret alone)
    expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
    const before = versionsOf(secretArn);
    const requestsBefore = device.requests.length;
    const token = randomUUID();
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      const result = await engine.lambda.invoke(engine.rotationFunctionArn, { Step, SecretId: secretArn, ClientRequestToken: token });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.errorType).toBe('RotationStateError');
      expect(result.errorMessage).toBe(`Secret ${secretArn}: ClientRequestToken ${token} is not a version of the secret`);
    }
    // The same token in an execution of the rotation state machine (as the rotation function would start it): refused
    // before any device request.
    for (const action of ['set', 'test']) {
      const run = await engine.runRotationExecution({ action, secretArn, token });
      expect(run.status).toBe('FAILED');
      expect(run.cause).toContain(secretArn);
      expect(run.cause).toContain(token);
    }
    expect(device.requests.length).toBe(requestsBefore);
    expectUnchangedBut(secretArn, before, undefined, false);
  });

  test('a rotation started on a secret whose rotation is disabled: refused by every step and by a console "rotate"', async () => {
    const secretArn = await engine.createDeviceSecret('bad/rotation-disabled', validSecret());
    const before = versionsOf(secretArn);
    const requestsBefore = device.requests.length;
    const token = before[0]?.VersionId as string;
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      const result = await engine.lambda.invoke(engine.rotationFunctionArn, { Step, SecretId: secretArn, ClientRequestToken: token });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.errorType).toBe('RotationStateError');
      expect(result.errorMessage).toContain(`Secret ${secretArn}: rotation is not enabled on this secret`);
    }
    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.status).toBe('FAILED');
    expect(rotate.error).toBe('RotationStateError');
    expect(rotate.cause).toContain(secretArn);
    expect(rotate.cause).toMatch(/rotation is not enabled on this secret/);
    expect(device.requests.length).toBe(requestsBefore);
    expect(device.passwordOf(USER)).toBe(devicePassword);
    expectUnchangedBut(secretArn, before, undefined, false);
  });

  test('the console state machine runs only the console actions: "set" and "test" are refused before any task', async () => {
    const secretArn = await engine.createDeviceSecret('bad/console-set', validSecret());
    const requestsBefore = device.requests.length;
    for (const action of ['set', 'test']) {
      const run = await engine.runExecution({ action, secretArn, token: randomUUID() });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('InvalidExecutionInput');
      expect(run.cause).toContain('"rotate" | "verify"');
      expect(run.history.some((event) => event.type === 'TaskScheduled')).toBe(false);
    }
    // And the rotation state machine refuses the console's "rotate".
    const rotate = await engine.runRotationExecution({ action: 'rotate', secretArn });
    expect(rotate.status).toBe('FAILED');
    expect(rotate.error).toBe('InvalidExecutionInput');
    expect(device.requests.length).toBe(requestsBefore);
  });

  test('a console execution named like the rotation function\'s executions of another secret: refused at its first task, the device untouched', async () => {
    const secretArn = await engine.createDeviceSecret('bad/reserved-name', validSecret());
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    const before = versionsOf(secretArn);
    const requestsBefore = device.requests.length;
    const name = `set-${secretTag('arn:aws:secretsmanager:us-east-1:000000000000:secret:someone-else')}-${randomUUID()}`;
    const rotate = await engine.runExecution({ action: 'rotate', secretArn }, name);
    expect(rotate.status).toBe('FAILED');
    expect(rotate.error).toBe('RotationStateError');
    expect(rotate.cause).toContain(secretArn);
    const message = (JSON.parse(rotate.cause ?? '{}') as { errorMessage?: string }).errorMessage;
    expect(message).toContain(`execution name "${name}" has the shape reserved for the rotation function's "set" executions`);
    expect(device.requests.length).toBe(requestsBefore);
    expectUnchangedBut(secretArn, before, undefined, false);
  });
});
