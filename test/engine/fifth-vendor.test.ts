import { registerVendor, vendorModules } from '../../lambda/vendors';
import { deviceSecretFor, registerSimulator, startSimulator } from '../../local/simulators';
import { acmeSwitchSimulatorModule } from '../fixtures/fake-vendor/simulator';
import { fakeSwitch } from '../fixtures/fake-vendor/vendor';
import { useLocalEngine } from '../helpers/engine-harness';

/**
 * Adding a vendor: a test-only fifth one (test/fixtures/fake-vendor/: its module `vendor.ts`, its client, its device
 * function, its simulator), added with one list line each, as README "Adding a vendor" says. In the product the line
 * goes in `lambda/vendors/index.ts` (`VENDOR_MODULES`) and `local/simulators/index.ts`; here the same modules are
 * registered at run time, before the stack is synthesized. Then it rotates end to end through the synthesized state
 * machines, like any built-in vendor.
 */
registerVendor(fakeSwitch);
registerSimulator(acmeSwitchSimulatorModule);

const USER = 'admin';
const harness = useLocalEngine();

test('the fifth vendor joins every list derived from the vendor list', () => {
  expect(vendorModules().map((module) => module.id)).toContain('acme-switch');
  const states = Object.keys(harness.engine.definitions.rotation.States as Record<string, unknown>);
  expect(states).toContain('Acme Switch: Log in and change password');
  expect(states).toContain('Acme Switch: Verify new password');
});

test('a scheduled rotation, a console rotate and a verify of the fifth vendor\'s device, end to end', async () => {
  const { engine } = harness;
  const password = harness.canary('old');
  const device = await startSimulator('acme-switch', { users: [{ username: USER, password }] });
  harness.devices.push(device);
  const secretArn = await engine.createDeviceSecret('acme/switch-1', deviceSecretFor(device, { username: USER, password }));

  await engine.rotateSecret(secretArn);
  expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
  const first = engine.stored(secretArn);
  harness.secretsSeen.push(first.current as string);
  expect(first.previous).toBe(password);
  expect(first.current).toHaveLength(16); // the module's password policy
  expect(device.passwordOf(USER)).toBe(first.current);

  const rotate = await engine.runExecution({ action: 'rotate', secretArn });
  expect(rotate.status).toBe('SUCCEEDED');
  const second = engine.stored(secretArn);
  harness.secretsSeen.push(second.current as string);
  expect(device.passwordOf(USER)).toBe(second.current);
  expect(device.account(USER).passwordChanges).toBe(2);

  const verify = await engine.runExecution({ action: 'verify', secretArn });
  expect(verify.status).toBe('SUCCEEDED');
  expect(device.account(USER).failedLogins).toBe(0);
});

test('the fifth vendor\'s lockout model is its module\'s: a device out of sync is searched within 4 - 2 failed logins', async () => {
  const { engine } = harness;
  const password = harness.canary('old');
  const device = await startSimulator('acme-switch', { users: [{ username: USER, password }] });
  harness.devices.push(device);
  const secretArn = await engine.createDeviceSecret('acme/switch-2', deviceSecretFor(device, { username: USER, password }));
  await engine.rotateSecret(secretArn, { rotateImmediately: false });
  device.overwriteAccount(USER, { password: harness.canary('hand') });
  const rotate = await engine.runExecution({ action: 'rotate', secretArn });
  expect(rotate.status).toBe('FAILED');
  expect(rotate.error).toBe('DeviceOutOfSyncError');
  expect(device.account(USER).failuresInWindow).toBe(2);
  expect(device.lockoutsOf(USER)).toBe(0);
});
