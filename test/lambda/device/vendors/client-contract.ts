import {
  AccountLockedError,
  AuthenticationFailedError,
  DeviceUnreachableError,
  type PasswordRejection,
  PasswordRejectedError,
  SessionExpiredError,
} from '../../../../lambda/device/errors';
import type { ClientOptions, DeviceClient, DeviceEndpoint, LoginOutcome, Vendor } from '../../../../lambda/device/types';
import type { SimulatedDevice, SimulatorOptions } from '../../../../local/simulators/device-server';
import type { FaultRule } from '../../../../local/simulators/faults';
import { canaryPassword, errorText, expectNoSecrets } from '../../../helpers/canary';
import { captureOutput } from '../../../helpers/log-capture';

/** What the contract needs to know of one vendor. */
export interface ClientContractSubject {
  readonly vendor: Vendor;
  start(options: SimulatorOptions): Promise<SimulatedDevice>;
  client(endpoint: DeviceEndpoint, options?: ClientOptions): DeviceClient;
  /** Fault-rule target of the request that makes the device change the password (for mPower: the last answer). */
  readonly changeRequest: Pick<FaultRule, 'on' | 'skip'>;
  /** A fault rule that makes the session (or mPower's conversation) expire during a change. */
  readonly sessionExpiry: FaultRule;
  readonly sessionExpiryScope: 'session' | 'conversation';
  /** A password the vendor's default policy refuses. */
  readonly weakPassword: string;
  /** How the client reports a policy refusal (WSO2 cannot tell it from a wrong current password). */
  readonly policyRejection: PasswordRejection;
}

const USER = 'admin';

/**
 * The behaviour every device client must have against its simulator. Each test starts a fresh device holding
 * canary passwords, and every error and every line of output is scanned for them and for the device's tokens.
 */
export function describeClientContract(subject: ClientContractSubject): void {
  describe(`${subject.vendor} client contract`, () => {
    let device: SimulatedDevice;
    let oldPassword: string;
    let newPassword: string;
    const seen: string[] = [];

    const endpoint = (overrides: Partial<DeviceEndpoint> = {}): DeviceEndpoint => ({
      vendor: subject.vendor,
      host: device.host,
      port: device.port,
      tls: { caCertificate: device.certificatePem },
      requestTimeoutMs: 2_000,
      ...overrides,
    });
    const client = (overrides?: Partial<DeviceEndpoint>) => subject.client(endpoint(overrides));

    /** Runs an operation with its output captured; keeps output and error text for the leak scan. */
    async function observe<T>(operation: () => Promise<T>): Promise<{ result: T | undefined; error: unknown }> {
      const { result, error, output } = await captureOutput(operation);
      seen.push(output, error === undefined ? '' : errorText(error));
      return { result, error };
    }

    async function change(current = oldPassword, next = newPassword, target = client()) {
      return observe(() => target.changePassword({ username: USER, currentPassword: current, newPassword: next }));
    }

    async function verify(password: string, target = client()): Promise<LoginOutcome> {
      const { result, error } = await observe(() => target.verifyLogin({ username: USER, password }));
      if (error !== undefined) throw error;
      return result as LoginOutcome;
    }

    beforeEach(async () => {
      oldPassword = canaryPassword('old');
      newPassword = canaryPassword('new');
      device = await subject.start({ users: [{ username: USER, password: oldPassword }], lockoutThreshold: 5 });
      seen.length = 0;
    });

    afterEach(async () => {
      const secrets = [oldPassword, newPassword, ...device.issuedTokens()];
      await device.stop();
      expectNoSecrets(seen.join('\n'), secrets);
    });

    test('a change is followed by a verification: the new password logs in, the old one does not', async () => {
      const { error } = await change();
      expect(error).toBeUndefined();
      expect(device.passwordOf(USER)).toBe(newPassword);
      expect((await verify(newPassword)).status).toBe('accepted');
      expect((await verify(oldPassword)).status).toBe('rejected');
    });

    test('verifyLogin tells a refused password from an accepted one, with exactly one attempt', async () => {
      expect((await verify(oldPassword)).status).toBe('accepted');
      const refused = await verify(newPassword);
      expect(refused.status).toBe('rejected');
      expect(refused.status === 'rejected' && refused.error).toBeInstanceOf(AuthenticationFailedError);
      expect(device.failedLoginsOf(USER)).toBe(1);
    });

    test('a wrong current password fails typed, after one attempt, without locking the account', async () => {
      const { error } = await change(canaryPassword('wrong'));
      expect(error).toBeInstanceOf(AuthenticationFailedError);
      expect((error as AuthenticationFailedError).message).toMatch(/step "/);
      expect(device.failedLoginsOf(USER)).toBe(1);
      expect(device.isLocked(USER)).toBe(false);
      expect(device.passwordOf(USER)).toBe(oldPassword);
    });

    test('a new password that breaks the device policy is refused, typed, and nothing changes', async () => {
      const { error } = await change(oldPassword, subject.weakPassword);
      expect(error).toBeInstanceOf(PasswordRejectedError);
      expect((error as PasswordRejectedError).reason).toBe(subject.policyRejection);
      expect(device.passwordOf(USER)).toBe(oldPassword);
      expect((await verify(oldPassword)).status).toBe('accepted');
    });

    test('a new password the device refuses by fault injection is reported as a rejection', async () => {
      // On every request of the change operation: the simulator applies it where the new password is examined.
      device.injectFault({ on: subject.changeRequest.on, fault: { kind: 'reject-new-password' }, times: Infinity });
      const { error } = await change();
      expect(error).toBeInstanceOf(PasswordRejectedError);
      expect(device.passwordOf(USER)).toBe(oldPassword);
    });

    test(`an expired ${subject.sessionExpiryScope} during the change is reported as such, and a fresh attempt succeeds`, async () => {
      device.injectFault(subject.sessionExpiry);
      const { error } = await change();
      expect(error).toBeInstanceOf(SessionExpiredError);
      expect((error as SessionExpiredError).scope).toBe(subject.sessionExpiryScope);
      expect(device.passwordOf(USER)).toBe(oldPassword);
      expect((await change()).error).toBeUndefined();
      expect(device.passwordOf(USER)).toBe(newPassword);
    });

    test('an answer lost after the device changed the password: the caller is told the request was sent, and a verify shows the new password works', async () => {
      device.injectFault({ ...subject.changeRequest, fault: { kind: 'drop-after' } });
      const { error } = await change();
      expect(error).toBeInstanceOf(DeviceUnreachableError);
      expect((error as DeviceUnreachableError).requestSent).toBe(true);
      expect((await verify(newPassword)).status).toBe('accepted');
      expect((await verify(oldPassword)).status).toBe('rejected');
    });

    test('a connection dropped before the device acts changes nothing', async () => {
      device.injectFault({ ...subject.changeRequest, fault: { kind: 'drop-before' } });
      const { error } = await change();
      expect(error).toBeInstanceOf(DeviceUnreachableError);
      expect(device.passwordOf(USER)).toBe(oldPassword);
    });

    test('an HTTP 5xx is reported as a device failure with its status', async () => {
      device.injectFault({ ...subject.changeRequest, fault: { kind: 'server-error', status: 503 } });
      const { error } = await change();
      expect(error).toBeInstanceOf(DeviceUnreachableError);
      expect((error as DeviceUnreachableError).httpStatus).toBe(503);
      expect(device.passwordOf(USER)).toBe(oldPassword);
    });

    test('latency within the deadline is waited for', async () => {
      device.injectFault({ fault: { kind: 'latency', ms: 150 }, times: Infinity });
      const { error } = await change(oldPassword, newPassword, client({ requestTimeoutMs: 2_000 }));
      expect(error).toBeUndefined();
      expect(device.passwordOf(USER)).toBe(newPassword);
    });

    test('latency beyond the deadline fails with the deadline named, and says the request was sent', async () => {
      device.injectFault({ ...subject.changeRequest, fault: { kind: 'latency', ms: 1_500 } });
      const { error } = await change(oldPassword, newPassword, client({ requestTimeoutMs: 400 }));
      expect(error).toBeInstanceOf(DeviceUnreachableError);
      expect((error as DeviceUnreachableError).message).toMatch(/400 ms deadline/);
      expect((error as DeviceUnreachableError).requestSent).toBe(true);
    });

    test('a locked account is reported as locked, by verifyLogin and by a change', async () => {
      device.overwriteAccount(USER, { locked: true });
      const outcome = await verify(oldPassword);
      expect(outcome.status).toBe('locked');
      expect(outcome.status === 'locked' && outcome.error).toBeInstanceOf(AccountLockedError);
      const { error } = await change();
      expect(error).toBeInstanceOf(AccountLockedError);
    });

    test('five wrong logins lock the simulated account (the device habit the rotator must respect)', async () => {
      for (let attempt = 0; attempt < 5; attempt += 1) expect((await verify(canaryPassword('guess'))).status).toBe('rejected');
      expect(device.isLocked(USER)).toBe(true);
      expect((await verify(oldPassword)).status).toBe('locked');
    });

    test('an unreachable device is "unavailable", and the request was never sent', async () => {
      const target = client({ port: await closedPort() });
      const outcome = await verify(oldPassword, target);
      expect(outcome.status).toBe('unavailable');
      const error = outcome.status === 'unavailable' ? outcome.error : undefined;
      expect(error).toBeInstanceOf(DeviceUnreachableError);
      expect((error as DeviceUnreachableError).requestSent).toBe(false);
    });

    test('every error names the vendor, the device and the step', async () => {
      const { error } = await change(canaryPassword('wrong'));
      const message = (error as Error).message;
      expect(message).toContain(`${device.host}:${device.port}`);
      expect(message).toMatch(/step "[a-z-]+"/);
      expect((error as AuthenticationFailedError).vendor).toBe(subject.vendor);
    });
  });
}

/** A port on which nothing listens: one the OS just handed out and took back. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
