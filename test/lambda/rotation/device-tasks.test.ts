import { PasswordRejectedError } from '../../../lambda/device/errors';
import type { Vendor } from '../../../lambda/device/types';
import { accountOf } from '../../../lambda/ledger/account';
import type { DeviceLedger } from '../../../lambda/ledger/device-ledger';
import { lockoutOf } from '../../../lambda/ledger/lockout';
import { DeviceTasks } from '../../../lambda/rotation/device-tasks';
import { endpointOf } from '../../../lambda/secret/device-secret';
import { FakeDevice } from '../../helpers/fake-device';
import { fakeSecretsManager, secretArnFor } from '../../helpers/fake-secrets-manager';
import { useLocalLedger } from '../../helpers/local-ledger';

/**
 * DeviceTasks through the seam: a fake device client that records every call, Secrets Manager mocked, the device
 * ledger real (dynalite). Which stored version is tried, in what order, what each login costs in the ledger, and what
 * is refused before anything is sent.
 */
const secrets = fakeSecretsManager();
const ledgers = useLocalLedger();

const ARN = secretArnFor('devices/edge-1');
const ADMIN_ARN = secretArnFor('devices/edge-1-root', 'XyZ123');
const CURRENT = '11111111-1111-4111-8111-111111111111';
const TOKEN = '22222222-2222-4222-8222-222222222222';
const OLD = '33333333-3333-4333-8333-333333333333';
const P_CUR = 'Current-Pw-1!';
const P_NEW = 'Pending-Pw-2!';
const P_OLD = 'Previous-Pw-0!';
const P_HAND = 'Set-By-Hand-9!';
const P_ADMIN = 'Admin-Root-Pw-7!';
const EXECUTION = 'arn:aws:states:us-east-1:111122223333:execution:DeviceRotation:console-1';

let ledger: DeviceLedger;
let device: FakeDevice;
let configuredPrivileged: string[];

function identity(vendor: Vendor = 'oracle-sdwan-edge') {
  return { vendor, host: 'edge-1.example.net', username: 'admin' };
}
const accountFor = (vendor: Vendor = 'oracle-sdwan-edge') => accountOf(identity(vendor));

function tasks(): DeviceTasks {
  return new DeviceTasks((secret) => device.client(endpointOf(secret)), { ledger: () => ledger, privilegedSecrets: () => configuredPrivileged });
}

/** AWSCURRENT, the pending version (TOKEN) and AWSPREVIOUS, each the same account unless overridden. */
function store(options: { vendor?: Vendor; current?: object; pending?: object; previous?: object | null } = {}): void {
  const base = identity(options.vendor);
  secrets.add(ARN, {
    [CURRENT]: { value: { ...base, password: P_CUR, ...options.current }, stages: ['AWSCURRENT'] },
    [TOKEN]: { value: { ...base, password: P_NEW, ...options.pending }, stages: ['AWSPENDING'] },
    ...(options.previous === null ? {} : { [OLD]: { value: { ...base, password: P_OLD, ...options.previous }, stages: ['AWSPREVIOUS'] } }),
  });
}

const change = () => tasks().change({ operation: 'change', secretArn: ARN, token: TOKEN, execution: EXECUTION });
/** What each call sent, by stored password: `change:current→pending`, `login:pending`. */
function sentLog(): string[] {
  const name = (password: string | undefined) =>
    ({ [P_CUR]: 'current', [P_NEW]: 'pending', [P_OLD]: 'previous', [P_ADMIN]: 'admin' })[password ?? ''] ?? 'other';
  return device.calls.map((call) =>
    call.operation === 'verifyLogin'
      ? `login:${name(call.password)}`
      : call.operation === 'changePassword'
        ? `change:${name(call.password)}→${name(call.newPassword)}`
        : `reset:${call.target} by ${name(call.password)}→${name(call.newPassword)}`,
  );
}
async function charges(vendor?: Vendor) {
  return (await ledger.read(accountFor(vendor))).charges.map((c) => ({ state: c.state, what: c.what, version: c.version, by: c.by }));
}
/** A failed login with `version` charged to the account beforehand (another execution's refused login). */
async function refusedEarlier(version: string, vendor?: Vendor) {
  const account = accountFor(vendor);
  await ledger.settle(await ledger.reserveLogin(ARN, account, lockoutOf({ vendor: account.vendor }), { by: 'earlier-execution', what: 'login', version }), 'failed', 'earlier-execution');
}

beforeEach(async () => {
  secrets.reset();
  ledger = await ledgers.fresh();
  device = new FakeDevice({ canReset: true });
  configuredPrivileged = [];
});

describe('locate: which stored version logs in', () => {
  test('a normal rotation: AWSCURRENT logs in and changes in the same login; nothing charged, the change noted', async () => {
    store();
    device.holds('admin', P_CUR);
    await expect(change()).resolves.toEqual({ located: 'current', changed: true });
    expect(sentLog()).toEqual(['change:current→pending']);
    expect(device.passwords.get('admin')).toBe(P_NEW);
    const record = await ledger.read(accountFor());
    expect(record.charges).toEqual([]);
    expect(record.lastAccepted).toMatchObject({ version: CURRENT, by: EXECUTION });
    expect(record.changeSent).toMatchObject({ version: TOKEN, by: EXECUTION });
  });

  test('AWSCURRENT first, then the pending version, then AWSPREVIOUS; each refusal charged with what and which version', async () => {
    store();
    device.holds('admin', P_OLD);
    await expect(change()).resolves.toEqual({ located: 'previous', changed: true });
    expect(sentLog()).toEqual(['change:current→pending', 'login:pending', 'change:previous→pending']);
    expect(device.passwords.get('admin')).toBe(P_NEW);
    expect(await charges()).toEqual([
      { state: 'failed', what: 'login with AWSCURRENT', version: CURRENT, by: EXECUTION },
      { state: 'failed', what: 'login with the pending version', version: TOKEN, by: EXECUTION },
    ]);
    // AWSCURRENT stays refused; the pending version's refusal was forgotten when the change towards it was noted
    // (once the change lands, the device is on it).
    expect([...(await ledger.refusedVersions(accountFor()))]).toEqual([CURRENT]);
  });

  test('the pending version already on the device (a change that happened): found with a plain login, nothing changed', async () => {
    store();
    device.holds('admin', P_NEW);
    await expect(change()).resolves.toEqual({ located: 'pending', changed: false });
    expect(sentLog()).toEqual(['change:current→pending', 'login:pending']);
  });

  test('one login per distinct password: AWSPREVIOUS equal to AWSCURRENT is not sent again; none logs in → DeviceOutOfSyncError', async () => {
    store({ previous: { password: P_CUR } });
    device.holds('admin', P_HAND);
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'DeviceOutOfSyncError' });
    await expect(outcome).rejects.toThrow('tried AWSCURRENT, the pending version, once each');
    expect(sentLog()).toEqual(['change:current→pending', 'login:pending']);
    // The device answered that no change happened: the note is cleared.
    expect((await ledger.read(accountFor())).changeSent).toBeUndefined();
  });

  test('a change noted in the ledger puts the pending version first: found at no failed login', async () => {
    store();
    await ledger.noteChangeSent(accountFor(), TOKEN, 'earlier-execution');
    device.holds('admin', P_NEW);
    await expect(change()).resolves.toEqual({ located: 'pending', changed: false });
    expect(sentLog()).toEqual(['login:pending']);
    expect(await charges()).toEqual([]);
  });

  test('a version the device refused recently is not sent again', async () => {
    store();
    await refusedEarlier(CURRENT);
    device.holds('admin', P_OLD);
    await expect(change()).resolves.toEqual({ located: 'previous', changed: true });
    expect(sentLog()).toEqual(['login:pending', 'change:previous→pending']);
    expect(device.calls.some((call) => call.password === P_CUR)).toBe(false);
  });

  test('…and when nothing else logs in, the out-of-sync message says which were not sent again', async () => {
    store();
    await refusedEarlier(OLD);
    device.holds('admin', P_HAND);
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'DeviceOutOfSyncError' });
    await expect(outcome).rejects.toThrow('AWSPREVIOUS was not sent again: the device refused it recently (device ledger)');
    expect(sentLog()).toEqual(['change:current→pending', 'login:pending']);
  });

  test('a pending version for another account is refused (VersionIdentityError) before any login', async () => {
    store({ pending: { username: 'operator' } });
    device.holds('admin', P_CUR);
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'VersionIdentityError' });
    await expect(outcome).rejects.toThrow(`the pending version (version ${TOKEN}) is for another account than AWSCURRENT (username "operator" instead of "admin")`);
    expect(device.calls).toEqual([]);
    expect(await charges()).toEqual([]);
  });

  test('a pending value equal to AWSCURRENT is refused before anything is sent', async () => {
    store({ pending: { password: P_CUR } });
    await expect(change()).rejects.toThrow(/holds the same password as AWSCURRENT, so rotating to it would change nothing; nothing was tried on the device/);
    expect(device.calls).toEqual([]);
  });

  test('AWSPREVIOUS for another host is skipped and named in the out-of-sync message; its password goes nowhere', async () => {
    store({ previous: { host: 'edge-2.example.net' } });
    device.holds('admin', P_OLD);
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'DeviceOutOfSyncError' });
    await expect(outcome).rejects.toThrow(
      `AWSPREVIOUS (version ${OLD}) was not tried: it is for another account (host "edge-2.example.net" instead of "edge-1.example.net")`,
    );
    expect(sentLog()).toEqual(['change:current→pending', 'login:pending']);
    expect(device.clientsMadeFor.every((endpoint) => endpoint.host === 'edge-1.example.net')).toBe(true);
  });

  test('out of sync with a privileged account named, on a vendor that can reset: DeviceOutOfSyncRecoverableError', async () => {
    store({ current: { privilegedSecretArn: ADMIN_ARN } });
    device.holds('admin', P_HAND);
    await expect(change()).rejects.toMatchObject({ name: 'DeviceOutOfSyncRecoverableError' });
    expect(sentLog()).toEqual(['change:current→pending', 'login:pending', 'change:previous→pending']);
  });

  test('…on a vendor that cannot reset, it stays DeviceOutOfSyncError, saying why no reset was tried', async () => {
    device = new FakeDevice({ canReset: false });
    store({ current: { privilegedSecretArn: ADMIN_ARN } });
    device.holds('admin', P_HAND);
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'DeviceOutOfSyncError' });
    await expect(outcome).rejects.toThrow(/cannot reset another user's password, so no reset was attempted/);
  });
});

describe('the failed-login budget', () => {
  test('mPower (1 automated login per 300 s): a refusal spends it, and the search stops before the next login (LoginBudgetExhaustedError)', async () => {
    device = new FakeDevice({ vendor: 'multitech-mpower' });
    store({ vendor: 'multitech-mpower' });
    device.holds('admin', P_OLD);
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'LoginBudgetExhaustedError' });
    await expect(outcome).rejects.toThrow(/login with the pending version was not attempted: the failed-login budget of account "admin" on multitech-mpower device edge-1.example.net:443 is spent/);
    expect(sentLog()).toEqual(['change:current→pending']);
    expect(await charges('multitech-mpower')).toEqual([{ state: 'failed', what: 'login with AWSCURRENT', version: CURRENT, by: EXECUTION }]);
  });

  test('a budget already spent (by another execution) stops the search with nothing sent', async () => {
    device = new FakeDevice({ vendor: 'multitech-mpower' });
    store({ vendor: 'multitech-mpower' });
    await refusedEarlier('some-other-version', 'multitech-mpower');
    device.holds('admin', P_CUR);
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'LoginBudgetExhaustedError' });
    await expect(outcome).rejects.toThrow('Nothing was sent to the device');
    expect(device.calls).toEqual([]);
  });

  test('a login never sent (connection refused) costs nothing and is not charged', async () => {
    store();
    device.holds('admin', P_CUR).next('changePassword', { kind: 'login-unreachable' });
    await expect(change()).rejects.toMatchObject({ name: 'DeviceUnreachableError', requestSent: false });
    expect(await charges()).toEqual([]);
    expect(sentLog()).toEqual(['change:current→pending']);
  });
});

describe('outcomes the device does not tell', () => {
  test('a login sent without a usable answer becomes LoginOutcomeUnknownError: charged as unknown, nothing more tried', async () => {
    store();
    device.holds('admin', P_CUR).next('changePassword', { kind: 'login-unknown' });
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'LoginOutcomeUnknownError' });
    await expect(outcome).rejects.toThrow(/The login's outcome is unknown: it was counted as a failed login/);
    expect(sentLog()).toEqual(['change:current→pending']);
    expect(await charges()).toEqual([{ state: 'unknown', what: 'login with AWSCURRENT', version: CURRENT, by: EXECUTION }]);
    // The change may have been sent with it: the note stays, so the next search tries the pending version first.
    expect((await ledger.read(accountFor())).changeSent?.version).toBe(TOKEN);
  });

  test("the pending version's plain login without a usable answer is LoginOutcomeUnknownError too, and AWSPREVIOUS is not tried", async () => {
    store();
    device.holds('admin', P_OLD).next('verifyLogin', { kind: 'login-unknown' });
    await expect(change()).rejects.toMatchObject({ name: 'LoginOutcomeUnknownError' });
    expect(sentLog()).toEqual(['change:current→pending', 'login:pending']);
  });

  test('a lost change answer becomes ChangeOutcomeUnknownError; the restart finds the pending version first, at no failed login', async () => {
    store();
    device.holds('admin', P_CUR).next('changePassword', { kind: 'answer-lost' });
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'ChangeOutcomeUnknownError' });
    await expect(outcome).rejects.toThrow(/The device may have changed the password/);
    expect((await ledger.read(accountFor())).changeSent?.version).toBe(TOKEN);
    device.calls.length = 0;
    await expect(change()).resolves.toEqual({ located: 'pending', changed: false });
    expect(sentLog()).toEqual(['login:pending']);
    expect(await charges()).toEqual([]);
  });

  test('a change that certainly was not sent stays DeviceUnreachableError (retryable) and its note is cleared', async () => {
    store();
    device.holds('admin', P_CUR).next('changePassword', { kind: 'change-not-sent' });
    await expect(change()).rejects.toMatchObject({ name: 'DeviceUnreachableError', requestSent: false });
    expect((await ledger.read(accountFor())).changeSent).toBeUndefined();
    expect(device.passwords.get('admin')).toBe(P_CUR);
  });

  test('a refused new password (PasswordRejectedError) is final: nothing else tried, the note cleared', async () => {
    store();
    device.holds('admin', P_CUR).next('changePassword', { kind: 'throw', error: (site) => new PasswordRejectedError(site, 'policy') });
    const outcome = change();
    await expect(outcome).rejects.toMatchObject({ name: 'PasswordRejectedError', reason: 'policy' });
    await expect(outcome).rejects.toThrow(/the device rejected the new password \(password policy\)/);
    expect(sentLog()).toEqual(['change:current→pending']);
    expect((await ledger.read(accountFor())).changeSent).toBeUndefined();
  });
});

describe('reset with the privileged account', () => {
  const reset = () => tasks().reset({ operation: 'reset', secretArn: ARN, token: TOKEN, execution: EXECUTION });

  function storeWithAdmin(admin: Record<string, unknown> = {}): void {
    store({ current: { privilegedSecretArn: ADMIN_ARN } });
    secrets.add(ADMIN_ARN, {
      'admin-v1': { value: { ...identity(), username: 'root', password: P_ADMIN, resetAccounts: ['admin'], ...admin }, stages: ['AWSCURRENT'] },
    });
    device.holds('admin', P_HAND).holds('root', P_ADMIN);
  }

  test('refuses a privileged secret the deployment did not configure, before anything is sent', async () => {
    storeWithAdmin();
    const outcome = reset();
    await expect(outcome).rejects.toMatchObject({ name: 'PrivilegedResetRefusedError' });
    await expect(outcome).rejects.toThrow(`of secret ${ADMIN_ARN}: it is not configured as a privileged secret of this deployment`);
    await expect(outcome).rejects.toThrow('Nothing was sent to the device.');
    expect(device.calls).toEqual([]);
  });

  test('refuses an account the privileged secret does not name in its resetAccounts, before anything is sent', async () => {
    storeWithAdmin({ resetAccounts: ['operator'] });
    configuredPrivileged = [ADMIN_ARN];
    await expect(reset()).rejects.toThrow(/it does not name account "admin" in its resetAccounts, so it may not reset it/);
    expect(device.calls).toEqual([]);
    expect(await charges()).toEqual([]);
  });

  test('refuses when the secret names no privileged account', async () => {
    store();
    configuredPrivileged = [ADMIN_ARN];
    await expect(reset()).rejects.toThrow(/the secret names no privileged account \(privilegedSecretArn\)/);
    expect(device.calls).toEqual([]);
  });

  test('a configured privileged secret naming the account: one login as the admin only, charged to the admin account; the change noted', async () => {
    storeWithAdmin();
    configuredPrivileged = [ADMIN_ARN.slice(0, -7)]; // a partial ARN, as the construct may be given
    await expect(reset()).resolves.toEqual({ reset: true });
    expect(sentLog()).toEqual(['reset:admin by admin→pending']);
    expect(device.calls[0].username).toBe('root');
    expect(device.passwords.get('admin')).toBe(P_NEW);
    expect((await ledger.read(accountOf({ ...identity(), username: 'root' }))).lastAccepted).toMatchObject({ by: EXECUTION });
    expect((await ledger.read(accountFor())).changeSent?.version).toBe(TOKEN);
  });
});

describe('verify', () => {
  const verify = (stage: 'pending' | 'current') => tasks().verify({ operation: 'verify', secretArn: ARN, token: TOKEN, stage, execution: EXECUTION });

  test("uses AWSCURRENT's identity (device, account, settings) with the pending version's password", async () => {
    store({ current: { requestTimeoutMs: 5_000 }, pending: { host: 'EDGE-1.EXAMPLE.NET', requestTimeoutMs: 100 } });
    device.holds('admin', P_NEW);
    await expect(verify('pending')).resolves.toEqual({ verified: true, stage: 'pending' });
    expect(sentLog()).toEqual(['login:pending']);
    expect(device.calls[0].username).toBe('admin');
    expect(device.clientsMadeFor.length).toBeGreaterThan(0);
    for (const endpoint of device.clientsMadeFor) expect(endpoint).toMatchObject({ host: 'edge-1.example.net', requestTimeoutMs: 5_000 });
    expect((await ledger.read(accountFor())).lastAccepted?.version).toBe(TOKEN);
  });

  test('a refused verify fails typed (AuthenticationFailedError), charged and remembered as refused', async () => {
    store();
    device.holds('admin', P_CUR);
    await expect(verify('pending')).rejects.toMatchObject({ name: 'AuthenticationFailedError' });
    expect(await charges()).toEqual([{ state: 'failed', what: 'login with the pending version', version: TOKEN, by: EXECUTION }]);
    expect([...(await ledger.refusedVersions(accountFor()))]).toEqual([TOKEN]);
  });

  test('an unknown outcome is LoginOutcomeUnknownError; a pending version for another account is refused unsent', async () => {
    store();
    device.holds('admin', P_CUR).next('verifyLogin', { kind: 'login-unknown' });
    await expect(verify('current')).rejects.toMatchObject({ name: 'LoginOutcomeUnknownError' });
    secrets.reset();
    device.calls.length = 0;
    store({ pending: { port: 8443 } });
    await expect(verify('pending')).rejects.toMatchObject({ name: 'VersionIdentityError' });
    expect(device.calls).toEqual([]);
  });
});
