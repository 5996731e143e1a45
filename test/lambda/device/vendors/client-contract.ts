import {
  AccountLockedError,
  AuthenticationFailedError,
  DeviceUnreachableError,
  type PasswordRejection,
  PasswordRejectedError,
  SessionExpiredError,
} from '../../../../lambda/device/errors';
import { loginCostOf } from '../../../../lambda/device/outcome';
import type { ClientOptions, DeviceClient, DeviceEndpoint, LoginOutcome, Vendor } from '../../../../lambda/device/types';
import { captureOutputOf } from '../../../../local/capture-output';
import type { SimulatedDevice, SimulatorOptions } from '../../../../local/simulators/device-server';
import type { FaultRule } from '../../../../local/simulators/faults';
import { simulatorVariants } from '../../../../local/simulators';
import type { SimulatorVariant } from '../../../../local/simulators/simulator-module';
import { canaryPassword, errorText, expectNoSecrets } from '../../../helpers/canary';

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
  /** Fault-rule operation of the login request (WSO2: the token grant). Default: `login`. */
  readonly loginOperation?: string;
  /** How the client reports a policy refusal (WSO2 cannot tell it from a wrong current password). */
  readonly policyRejection: PasswordRejection;
  /** The operation name of the vendor's logout, when it has one (WSO2 EMM's tokens have none). */
  readonly logoutOperation?: string;
  /**
   * The simulator's selectable shapes of a refused login (its default is always run too, as "default"). Each is held to:
   * a wrong password is "rejected" at a cost of exactly one failed login, the right one "accepted", and a refusal
   * slower than the client's deadline "unknown".
   */
  readonly refusalVariants?: readonly RefusalVariant[];
  /** The simulator variants the whole contract runs over. Default: every selectable one (`simulatorVariants`). */
  readonly variants?: readonly SimulatorVariant[];
}

export interface RefusalVariant {
  readonly name: string;
  /** Simulator options of the variant (vendor-specific ones included). */
  readonly options: Record<string, unknown>;
  /** A client other than the subject's default for this variant (e.g. with a preconfigured OAuth client). */
  readonly client?: (endpoint: DeviceEndpoint, device: SimulatedDevice, credentials: { username: string; password: string }) => Promise<DeviceClient>;
}

const USER = 'admin';

/**
 * The behaviour every device client must have against its simulator. Each test starts a fresh device holding
 * canary passwords, and every error and every line of output is scanned for them and for the device's tokens.
 */
export function describeClientContract(subject: ClientContractSubject): void {
  const variants = subject.variants ?? simulatorVariants(subject.vendor);
  for (const variant of variants) {
    const inVariant: ClientContractSubject = { ...subject, start: (options) => subject.start({ ...variant.options, ...options } as SimulatorOptions) };
    describeContract(inVariant, variant.name);
    describeRefusalShape(inVariant, { name: variant.name, options: {} });
  }
  for (const variant of subject.refusalVariants ?? []) describeRefusalShape(subject, variant);
}

/** The contract on one simulator variant. */
function describeContract(subject: ClientContractSubject, variantName: string): void {
  describe(`${subject.vendor} client contract [${variantName}]`, () => {
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
      const { result, error, output } = await captureOutputOf(operation);
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

    /** The device's clock: the tests move it to see a lock run out. */
    let clock = Date.now();

    beforeEach(async () => {
      oldPassword = canaryPassword('old');
      newPassword = canaryPassword('new');
      clock = Date.now();
      device = await subject.start({ users: [{ username: USER, password: oldPassword }], now: () => clock });
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

    test("the vendor's lockout: that many wrong logins lock the account for a while (the device habit the rotator must respect)", async () => {
      const { attempts, windowSeconds, lockSeconds = windowSeconds } = device.lockout;
      for (let attempt = 0; attempt < attempts; attempt += 1) expect((await verify(canaryPassword('guess'))).status).toBe('rejected');
      expect(device.isLocked(USER)).toBe(true);
      expect(device.lockoutsOf(USER)).toBe(1);
      expect((await verify(oldPassword)).status).toBe('locked');
      clock += lockSeconds * 1000 + 1;
      expect((await verify(oldPassword)).status).toBe('accepted');
      expect(device.lockoutsOf(USER)).toBe(1);
    });

    test('an error after the login says so (duringLogin false: the login was accepted, it cost nothing)', async () => {
      const { error } = await change(oldPassword, subject.weakPassword);
      expect(error).toBeInstanceOf(PasswordRejectedError);
      expect((error as PasswordRejectedError).duringLogin).toBe(false);
      expect(loginCostOf(error)).toBe('none');
      expect(device.failedLoginsOf(USER)).toBe(0);
    });

    test('a refused login says so (duringLogin true, cost "failed"); a lock too (cost "locked")', async () => {
      const refused = await change(canaryPassword('wrong'));
      expect((refused.error as AuthenticationFailedError).duringLogin).toBe(true);
      expect(loginCostOf(refused.error)).toBe('failed');
      device.overwriteAccount(USER, { locked: true });
      const locked = await change();
      expect(locked.error).toBeInstanceOf(AccountLockedError);
      expect((locked.error as AccountLockedError).duringLogin).toBe(true);
      expect(loginCostOf(locked.error)).toBe('locked');
    });

    test('a login whose answer is lost is "unknown" (it may have cost a failed login), not "unavailable"', async () => {
      device.injectFault({ on: subject.loginOperation ?? 'login', fault: { kind: 'drop-after' } });
      const outcome = await verify(canaryPassword('wrong'));
      expect(outcome.status).toBe('unknown');
      const error = outcome.status === 'unknown' ? outcome.error : undefined;
      expect(error).toBeInstanceOf(DeviceUnreachableError);
      expect((error as DeviceUnreachableError).requestSent).toBe(true);
      expect(error?.duringLogin).toBe(true);
      expect(loginCostOf(error)).toBe('unknown');
      expect(device.failedLoginsOf(USER)).toBe(1);
    });

    if (subject.logoutOperation !== undefined) {
      const logout = subject.logoutOperation;
      test('a failed change still logs out of its session (best effort)', async () => {
        device.injectFault({ on: subject.changeRequest.on, fault: { kind: 'reject-new-password' }, times: Infinity });
        const { error } = await change();
        expect(error).toBeInstanceOf(PasswordRejectedError);
        expect(device.requests.at(-1)?.operation).toBe(logout);
      });

      test('a change that failed for a 5xx still logs out of its session', async () => {
        device.injectFault({ ...subject.changeRequest, fault: { kind: 'server-error', status: 500 } });
        const { error } = await change();
        expect(error).toBeInstanceOf(DeviceUnreachableError);
        expect(device.requests.at(-1)?.operation).toBe(logout);
      });
    }

    test('an unreachable device is "unavailable", and the request was never sent', async () => {
      const target = client({ port: await closedPort() });
      const outcome = await verify(oldPassword, target);
      expect(outcome.status).toBe('unavailable');
      const error = outcome.status === 'unavailable' ? outcome.error : undefined;
      expect(error).toBeInstanceOf(DeviceUnreachableError);
      expect((error as DeviceUnreachableError).requestSent).toBe(false);
      expect(loginCostOf(error)).toBe('none');
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

/** One refusal shape of a simulator: how the client reads it, and what it costs on the device. */
function describeRefusalShape(subject: ClientContractSubject, variant: RefusalVariant): void {
  describe(`${subject.vendor} client contract, refused login shaped "${variant.name}"`, () => {
    let device: SimulatedDevice | undefined;
    let password: string;
    const seen: string[] = [];

    async function start(extra: Partial<SimulatorOptions> = {}): Promise<SimulatedDevice> {
      password = canaryPassword('right');
      device = await subject.start({ users: [{ username: USER, password }], ...variant.options, ...extra } as SimulatorOptions);
      return device;
    }

    async function clientFor(target: SimulatedDevice, requestTimeoutMs = 2_000): Promise<DeviceClient> {
      const endpoint: DeviceEndpoint = {
        vendor: subject.vendor,
        host: target.host,
        port: target.port,
        tls: { caCertificate: target.certificatePem },
        requestTimeoutMs,
      };
      return variant.client ? variant.client(endpoint, target, { username: USER, password }) : subject.client(endpoint);
    }

    async function verify(target: DeviceClient, candidate: string): Promise<LoginOutcome> {
      const { result, error, output } = await captureOutputOf(() => target.verifyLogin({ username: USER, password: candidate }));
      seen.push(output, error === undefined ? '' : errorText(error));
      if (error !== undefined) throw error;
      const outcome = result as LoginOutcome;
      if (outcome.status !== 'accepted') seen.push(errorText(outcome.error));
      return outcome;
    }

    beforeEach(() => {
      seen.length = 0;
    });

    afterEach(async () => {
      if (device === undefined) return;
      const secrets = [password, ...device.issuedTokens()];
      await device.stop();
      device = undefined;
      expectNoSecrets(seen.join('\n'), secrets);
    });

    test('a wrong password is "rejected", at the cost of exactly one failed login', async () => {
      const target = await start();
      const wrong = canaryPassword('wrong');
      const outcome = await verify(await clientFor(target), wrong);
      expect(outcome.status).toBe('rejected');
      expect(outcome.status === 'rejected' && outcome.error).toBeInstanceOf(AuthenticationFailedError);
      expect(outcome.status === 'rejected' && outcome.error.duringLogin).toBe(true);
      expect(target.failedLoginsOf(USER)).toBe(1);
      expect(target.account(USER).totalFailedLogins).toBe(1);
      expectNoSecrets(seen.join('\n'), [wrong]);
    });

    test('a wrong current password in a change is a refused login, at the cost of exactly one failed login', async () => {
      const target = await start();
      const client = await clientFor(target);
      const { error, output } = await captureOutputOf(() =>
        client.changePassword({ username: USER, currentPassword: canaryPassword('wrong'), newPassword: canaryPassword('new') }),
      );
      seen.push(output, errorText(error));
      expect(error).toBeInstanceOf(AuthenticationFailedError);
      expect(loginCostOf(error)).toBe('failed');
      expect(target.account(USER).totalFailedLogins).toBe(1);
      expect(target.passwordOf(USER)).toBe(password);
    });

    test('the right password is "accepted"', async () => {
      const target = await start();
      expect((await verify(await clientFor(target), password)).status).toBe('accepted');
      expect(target.failedLoginsOf(USER)).toBe(0);
    });

    test("a refusal slower than the client's deadline (PAM fail delay) is \"unknown\": it may have cost a failed login", async () => {
      const target = await start({ refusalDelayMs: 900 });
      const outcome = await verify(await clientFor(target, 300), canaryPassword('wrong'));
      expect(outcome.status).toBe('unknown');
      const error = outcome.status === 'unknown' ? outcome.error : undefined;
      expect(error).toBeInstanceOf(DeviceUnreachableError);
      expect((error as DeviceUnreachableError).requestSent).toBe(true);
      expect(error?.duringLogin).toBe(true);
      expect(loginCostOf(error)).toBe('unknown');
      expect(target.failedLoginsOf(USER)).toBe(1);
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
