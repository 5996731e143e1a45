import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { captureOutput, type OutputCapture } from '../../local/capture-output';
import { type LocalEngine, startLocalEngine } from '../../local/engine/local-engine';
import { CHANGE_REQUEST, type SimulatedDevice, startSimulator } from '../../local/simulators';
import { canaryPassword } from '../helpers/canary';

/** Two executions for the same secret at the same time must never both change the device. */
const USER = 'admin';
let engine: LocalEngine;
const devices: SimulatedDevice[] = [];
let stdout: OutputCapture | undefined;

beforeAll(async () => {
  // The functions' log lines stay out of the test report.
  stdout = captureOutput({ streams: ['stdout'] });
  engine = await startLocalEngine();
}, 60_000);

afterAll(async () => {
  await Promise.all(devices.map((device) => device.stop()));
  await engine.stop();
  stdout?.restore();
});

async function slowDevice(name: string) {
  const password = canaryPassword('old');
  const device = await startSimulator('oracle-unified-assurance', { users: [{ username: USER, password }] });
  devices.push(device);
  // The change takes a while, so that the second execution starts while the first is changing the device.
  device.injectFault({ ...CHANGE_REQUEST['oracle-unified-assurance'], fault: { kind: 'latency', ms: 600 }, times: Infinity });
  const secretArn = await engine.createDeviceSecret(name, {
    vendor: 'oracle-unified-assurance',
    host: device.host,
    port: device.port,
    username: USER,
    password,
    tls: { certificateSha256: device.fingerprint256 },
  });
  await engine.rotateSecret(secretArn, { rotateImmediately: false });
  return { device, secretArn };
}

/** The first running execution whose name starts with `prefix`, of the rotation state machine (set-) or the console one. */
async function untilRunning(prefix: string, stateMachineArn = prefix.startsWith('set-') ? engine.stateMachineArn : engine.consoleStateMachineArn): Promise<string> {
  for (;;) {
    const listed = await engine.clients.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }));
    const found = listed.executions?.find((execution) => execution.name?.startsWith(prefix));
    if (found !== undefined) return found.executionArn as string;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const currentPassword = (secretArn: string) => engine.stored(secretArn).current;

test('a console "rotate" during a scheduled rotation fails fast, naming the running execution; the device changes once', async () => {
  const { device, secretArn } = await slowDevice('concurrency/scheduled-first');
  const scheduled = engine.rotateSecret(secretArn);
  const running = await untilRunning('set-');
  const console = await engine.runExecution({ action: 'rotate', secretArn });
  expect(console.status).toBe('FAILED');
  expect(console.error).toBe('RotationInProgressError');
  expect(console.cause).toContain(running);
  await scheduled;
  expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
  expect(device.account(USER).passwordChanges).toBe(1);
  expect(device.passwordOf(USER)).toBe(currentPassword(secretArn));
});

test('two console "rotate"s at once: exactly one changes the device, the other fails fast', async () => {
  const { device, secretArn } = await slowDevice('concurrency/two-consoles');
  const runs = await Promise.all([engine.runExecution({ action: 'rotate', secretArn }), engine.runExecution({ action: 'rotate', secretArn })]);
  expect(runs.map((run) => run.status).sort()).toEqual(['FAILED', 'SUCCEEDED']);
  expect(runs.find((run) => run.status === 'FAILED')?.error).toBe('RotationInProgressError');
  expect(device.account(USER).passwordChanges).toBe(1);
  expect(device.passwordOf(USER)).toBe(currentPassword(secretArn));
});

test('two console "rotate"s and a scheduled rotation at once, with listings lagging 2 s behind: exactly one changes the device', async () => {
  engine.stepFunctions.listingLagMs = 2_000;
  try {
    const { device, secretArn } = await slowDevice('concurrency/lagging-listings');
    const [scheduled, ...consoles] = await Promise.all([
      engine.rotateSecret(secretArn).then(() => engine.secrets.lastRotationError(secretArn)),
      engine.runExecution({ action: 'rotate', secretArn }),
      engine.runExecution({ action: 'rotate', secretArn }),
    ]);
    // Nothing the listings show yet could have told them apart: the device ledger's lease did.
    const failedConsoles = consoles.filter((run) => run.status === 'FAILED');
    for (const run of failedConsoles) expect(run.error).toBe('RotationInProgressError');
    const succeeded = consoles.filter((run) => run.status === 'SUCCEEDED').length + (scheduled === undefined ? 1 : 0);
    expect(succeeded).toBeGreaterThanOrEqual(1);
    expect(device.account(USER).passwordChanges).toBe(1);
    const stored = engine.stored(secretArn);
    expect([stored.current, stored.pending]).toContain(device.passwordOf(USER));
    expect(device.account(USER).failedLogins).toBe(0);
  } finally {
    engine.stepFunctions.listingLagMs = 0;
  }
});

test('a "verify" does not conflict with a running rotation', async () => {
  const { secretArn } = await slowDevice('concurrency/verify');
  const first = engine.runExecution({ action: 'rotate', secretArn });
  await untilRunning('');
  const verify = await engine.runExecution({ action: 'verify', secretArn });
  expect(verify.status).toBe('SUCCEEDED');
  expect((await first).status).toBe('SUCCEEDED');
});
