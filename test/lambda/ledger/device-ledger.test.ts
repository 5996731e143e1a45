import { accountOf } from '../../../lambda/ledger/account';
import { AccountLogins } from '../../../lambda/ledger/account-logins';
import { DeviceLedger, LeaseHeldError } from '../../../lambda/ledger/device-ledger';
import { AccountLockedByDeviceError, LoginBudgetExhaustedError } from '../../../lambda/ledger/errors';
import { automatedBudget, lockoutOf, VENDOR_LOCKOUT } from '../../../lambda/ledger/lockout';
import { createTableInput, type LocalDynamoDb, startLocalDynamoDb } from '../../../local/aws/dynamodb';

/** The device ledger against dynalite (a DynamoDB implementation): budgets, settlement, refusal memory, leases. */
const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:devices/gw-1-AbCdEf';
const ACCOUNT = accountOf({ vendor: 'multitech-mpower', host: 'GW-1.example.net', username: 'admin' });
const MPOWER = VENDOR_LOCKOUT['multitech-mpower'];
const FIVE = { attempts: 5, windowSeconds: 900 };

let dynamo: LocalDynamoDb;
let table = 0;
let clock = Date.UTC(2026, 11, 1, 12);
const saved = { ...process.env };

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: dynamo.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIALOCAL', AWS_SECRET_ACCESS_KEY: 'local' });
});
afterAll(async () => {
  await dynamo.stop();
  process.env = saved;
});

/** A fresh table per test, and a clock the test moves. */
async function ledger(): Promise<DeviceLedger> {
  table += 1;
  const tableName = `ledger-${table}`;
  await dynamo.createTable(createTableInput(tableName, { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] }));
  return new DeviceLedger({ tableName, now: () => clock, inFlightWaitMs: 0 });
}
const spend = (what: string, version?: string) => ({ by: 'execution-1', what, version });

test('vendor lockout models: mPower 3 in 300 s, the others 5; the budget keeps one attempt for a human and never takes the one that locks', () => {
  expect(MPOWER).toEqual({ attempts: 3, windowSeconds: 300 });
  expect(automatedBudget(MPOWER)).toBe(1);
  expect(automatedBudget(VENDOR_LOCKOUT['wso2-emm'])).toBe(3);
  expect(lockoutOf({ vendor: 'wso2-emm', lockout: { attempts: 10, windowSeconds: 60 } })).toEqual({ attempts: 10, windowSeconds: 60 });
});

test('a reserved login counts until settled; accepted costs nothing; refused and unknown count for the window', async () => {
  const l = await ledger();
  const first = await l.reserveLogin(SECRET, ACCOUNT, FIVE, spend('login with AWSCURRENT', 'v1'));
  await l.settle(first, 'none', 'execution-1');
  expect((await l.read(ACCOUNT)).charges).toEqual([]);
  for (const cost of ['failed', 'unknown', 'failed'] as const) await l.settle(await l.reserveLogin(SECRET, ACCOUNT, FIVE, spend('login', `v-${cost}`)), cost, 'execution-1');
  // 3 charged of a budget of 3 (5 - 2): the next login is not attempted, with when it is safe again.
  const refused = l.reserveLogin(SECRET, ACCOUNT, FIVE, spend('login with AWSPREVIOUS'));
  await expect(refused).rejects.toBeInstanceOf(LoginBudgetExhaustedError);
  const error = (await refused.catch((e: unknown) => e)) as LoginBudgetExhaustedError;
  expect(error.message).toContain(SECRET);
  expect(error.message).toContain('account "admin" on multitech-mpower device gw-1.example.net:443');
  expect(error.message).toMatch(/3 of 3 automated attempts used within 900 s; the device locks after 5, and one is kept for a human/);
  expect(error.message).toContain('Nothing was sent to the device');
  expect(error.safeAt).toBe(clock + 900_000);
  // Once the oldest charge has left the window, one more fits.
  clock += 900_001;
  await expect(l.reserveLogin(SECRET, ACCOUNT, FIVE, spend('login'))).resolves.toBeDefined();
});

test('mPower: one refusal spends the whole automated budget of its window', async () => {
  const l = await ledger();
  await l.settle(await l.reserveLogin(SECRET, ACCOUNT, MPOWER, spend('login', 'v1')), 'failed', 'x');
  await expect(l.reserveLogin(SECRET, ACCOUNT, MPOWER, spend('login', 'v2'))).rejects.toBeInstanceOf(LoginBudgetExhaustedError);
  clock += 300_001;
  await expect(l.reserveLogin(SECRET, ACCOUNT, MPOWER, spend('login', 'v2'))).resolves.toBeDefined();
});

test('a charged login counts from its answer plus the time a late request may still land', async () => {
  const l = await ledger();
  const reservation = await l.reserveLogin(SECRET, ACCOUNT, MPOWER, spend('login'));
  clock += 10_000;
  await l.settle(reservation, 'unknown', 'x', 20_000);
  clock += 300_000 - 1; // 300 s after the answer, but not yet after the late margin
  await expect(l.reserveLogin(SECRET, ACCOUNT, MPOWER, spend('login'))).rejects.toBeInstanceOf(LoginBudgetExhaustedError);
  clock += 20_002;
  await expect(l.reserveLogin(SECRET, ACCOUNT, MPOWER, spend('login'))).resolves.toBeDefined();
});

test('concurrent reservations never exceed the budget (conditional writes)', async () => {
  const l = await ledger();
  const attempts = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => l.reserveLogin(SECRET, ACCOUNT, FIVE, spend(`login ${i}`))));
  expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(automatedBudget(FIVE));
  expect((await l.read(ACCOUNT)).charges).toHaveLength(automatedBudget(FIVE));
});

test('a refused version is remembered; a change noted towards it forgets the refusal', async () => {
  const l = await ledger();
  await l.settle(await l.reserveLogin(SECRET, ACCOUNT, FIVE, spend('login', 'pending-1')), 'failed', 'x');
  expect([...(await l.refusedVersions(ACCOUNT))]).toEqual(['pending-1']);
  await l.noteChangeSent(ACCOUNT, 'pending-1', 'x');
  expect([...(await l.refusedVersions(ACCOUNT))]).toEqual([]);
  expect((await l.read(ACCOUNT)).changeSent?.version).toBe('pending-1');
  await l.clearChangeSent(ACCOUNT, 'pending-1');
  expect((await l.read(ACCOUNT)).changeSent).toBeUndefined();
});

test('a device that said "locked" gets no login until the window has passed', async () => {
  const l = await ledger();
  await l.settle(await l.reserveLogin(SECRET, ACCOUNT, FIVE, spend('login')), 'locked', 'x');
  await expect(l.reserveLogin(SECRET, ACCOUNT, FIVE, spend('login'))).rejects.toBeInstanceOf(AccountLockedByDeviceError);
  clock += 900_001;
  await expect(l.reserveLogin(SECRET, ACCOUNT, FIVE, spend('login'))).resolves.toBeDefined();
});

test('AccountLogins settles by what the call threw: a crash in between leaves the charge', async () => {
  const l = await ledger();
  const logins = new AccountLogins(l, SECRET, ACCOUNT, FIVE, 'execution-1');
  await expect(logins.call({ what: 'login' }, async () => 'ok')).resolves.toBe('ok');
  await expect(logins.call({ what: 'login' }, async () => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
  // A non-device error says nothing of the login: charged as unknown.
  expect((await l.read(ACCOUNT)).charges.map((c) => c.state)).toEqual(['unknown']);
});

describe('the lease', () => {
  const ended = async () => true;
  const running = async () => false;

  test('one holder at a time; the same holder may ask again; released, it is free', async () => {
    const l = await ledger();
    await l.acquireLease(ACCOUNT, 'exec-a', clock + 3_600_000, running);
    await l.acquireLease(ACCOUNT, 'exec-a', clock + 3_600_000, running);
    await expect(l.acquireLease(ACCOUNT, 'exec-b', clock + 3_600_000, running)).rejects.toBeInstanceOf(LeaseHeldError);
    await l.releaseLease(ACCOUNT, 'exec-b'); // not the holder: no effect
    await expect(l.acquireLease(ACCOUNT, 'exec-b', clock + 3_600_000, running)).rejects.toBeInstanceOf(LeaseHeldError);
    await l.releaseLease(ACCOUNT, 'exec-a');
    await expect(l.acquireLease(ACCOUNT, 'exec-b', clock + 3_600_000, running)).resolves.toBeUndefined();
  });

  test('taken over only when expired or its holder has ended', async () => {
    const l = await ledger();
    await l.acquireLease(ACCOUNT, 'exec-a', clock + 60_000, running);
    await expect(l.acquireLease(ACCOUNT, 'exec-b', clock + 60_000, running)).rejects.toBeInstanceOf(LeaseHeldError);
    await expect(l.acquireLease(ACCOUNT, 'exec-b', clock + 60_000, ended)).resolves.toBeUndefined();
    clock += 60_001;
    await expect(l.acquireLease(ACCOUNT, 'exec-c', clock + 60_000, running)).resolves.toBeUndefined();
  });

  test('of many asking at once, exactly one gets it', async () => {
    const l = await ledger();
    const asks = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((holder) => l.acquireLease(ACCOUNT, holder, clock + 60_000, running)));
    expect(asks.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
  });
});

describe('heartbeats', () => {
  test('the newest heartbeat is kept beside the budget and the lease, and an older one arriving late does not replace it', async () => {
    const l = await ledger();
    expect(await l.lastHeartbeat(ACCOUNT)).toBeUndefined();
    await l.acquireLease(ACCOUNT, 'exec-rotate', clock + 60_000, async () => false);
    const newer = { at: clock, outcome: 'drifted' as const, executionArn: 'exec-2', version: 'v-1', detail: 'refused' };
    await l.recordHeartbeat(ACCOUNT, newer);
    await l.recordHeartbeat(ACCOUNT, { at: clock - 1000, outcome: 'ok', executionArn: 'exec-1' });
    expect(await l.lastHeartbeat(ACCOUNT)).toEqual(newer);
    // The rest of the record is untouched.
    expect((await l.read(ACCOUNT)).lease?.holder).toBe('exec-rotate');
    await l.recordHeartbeat(ACCOUNT, { at: clock + 1000, outcome: 'ok', executionArn: 'exec-3' });
    expect((await l.lastHeartbeat(ACCOUNT))?.outcome).toBe('ok');
  });
});
