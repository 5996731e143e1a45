import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { formatPreflightJson, formatPreflightText, type PreflightReport, runPreflight } from '../../cli/preflight';
import { accountOf } from '../../lambda/ledger/account';
import type { DeviceLedger } from '../../lambda/ledger/device-ledger';
import { deviceSecretFor, type SimulatedDevice, startSimulator } from '../../local/simulators';
import type { MPowerSimulatedDevice } from '../../local/simulators/mpower';
import { canaryPassword, expectNoSecrets } from '../helpers/canary';
import { useLocalLedger } from '../helpers/local-ledger';

/**
 * Preflight (`cli/preflight/`) against the simulators, one test per outcome an operator can meet. Every report, in
 * text and JSON, is scanned for the passwords and the device's tokens; and preflight never changes the device.
 */
const ledgers = useLocalLedger();
const USER = 'admin';

let device: SimulatedDevice | undefined;
let password: string;

async function start(vendor: string, simulator: Record<string, unknown> = {}): Promise<SimulatedDevice> {
  password = canaryPassword('pre');
  device = await startSimulator(vendor, { users: [{ username: USER, password }], ...simulator });
  return device;
}

function secretOf(target: SimulatedDevice, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...deviceSecretFor(target, { username: USER, password }), requestTimeoutMs: 2_000, ...changes };
}

async function preflight(secret: Record<string, unknown>, ledger?: DeviceLedger): Promise<PreflightReport> {
  const report = await runPreflight({ source: { secretString: JSON.stringify(secret), label: 'devices/edge-17.json' }, ledger });
  const texts = [formatPreflightText(report), formatPreflightJson(report)].join('\n');
  expectNoSecrets(texts, [password, String(secret.password), ...(device?.issuedTokens() ?? [])]);
  // Preflight changes nothing: the device still holds the password it had.
  if (device !== undefined) expect(device.passwordOf(USER)).toBe(password);
  return report;
}

const check = (report: PreflightReport, name: string) => report.checks.find((c) => c.name === name);

afterEach(async () => {
  await device?.stop();
  device = undefined;
});

test('matching pin: every check passes, one login (accepted, in the ledger\'s budget), exit 0', async () => {
  const target = await start('multitech-mpower');
  const report = await preflight(secretOf(target), await ledgers.fresh());
  expect(report.exitCode).toBe(0);
  expect(report.ready).toBe(true);
  expect(report.checks.map((c) => `${c.name}:${c.status}`)).toEqual(['secret:ok', 'tls:ok', 'budget:ok', 'login:ok', 'policy:ok']);
  expect(report.certificate).toMatchObject({ trust: 'pin-match', sha256: target.fingerprint256 });
  expect(report.certificate?.suggestedTls).toBeUndefined();
  expect(target.requests.filter((r) => r.operation === 'login')).toHaveLength(1);
  expect(target.failedLoginsOf(USER)).toBe(0);
  expect(formatPreflightText(report)).toMatch(/^Ready: nothing found that would stop a rotation \(exit 0\)/m);
});

test('a pinned CA certificate that is the device\'s own matches too', async () => {
  const target = await start('oracle-sdwan-edge');
  const report = await preflight(secretOf(target, { tls: { caCertificate: target.certificatePem } }));
  expect(report.certificate?.trust).toBe('ca-match');
  expect(report.exitCode).toBe(0);
});

test('no pin: the certificate is shown with a tls block to paste, no request is sent, exit 1', async () => {
  const target = await start('wso2-emm');
  const { tls: _pin, ...secret } = secretOf(target);
  const report = await preflight(secret);
  expect(report.exitCode).toBe(1);
  expect(check(report, 'tls')?.status).toBe('fail');
  expect(check(report, 'login')?.status).toBe('skipped');
  expect(report.certificate).toMatchObject({ trust: 'none', suggestedTls: { certificateSha256: target.fingerprint256 } });
  expect(report.certificate?.subject).toContain('CN=wso2-emm.simulator.local');
  expect(target.requests).toHaveLength(0);
  expect(formatPreflightText(report)).toContain(`"tls": {"certificateSha256":"${target.fingerprint256}"}`);
});

test('wrong pin: a mismatch, the presented fingerprint, no request sent, exit 1', async () => {
  const target = await start('oracle-unified-assurance');
  const report = await preflight(secretOf(target, { tls: { certificateSha256: '00'.repeat(32) } }));
  expect(report.exitCode).toBe(1);
  expect(report.certificate?.trust).toBe('pin-mismatch');
  expect(report.blockers.join('\n')).toContain(target.fingerprint256);
  expect(target.requests).toHaveLength(0);
});

test('refused login: one failed login spent, what to do said, exit 1', async () => {
  const target = await start('oracle-sdwan-edge');
  const report = await preflight(secretOf(target, { password: canaryPassword('stale') }));
  expect(report.exitCode).toBe(1);
  expect(check(report, 'login')).toMatchObject({ status: 'fail', summary: expect.stringContaining("refused AWSCURRENT's password") });
  expect(target.failedLoginsOf(USER)).toBe(1);
});

test('locked on the device: reported as locked, exit 1', async () => {
  const target = await start('oracle-unified-assurance');
  target.overwriteAccount(USER, { locked: true });
  const report = await preflight(secretOf(target));
  expect(check(report, 'login')).toMatchObject({ status: 'fail', summary: expect.stringContaining('locked on the device') });
  expect(report.exitCode).toBe(1);
});

test('budget spent: after one refusal on mPower (budget 1 per 300 s) the next preflight sends nothing, exit 1', async () => {
  const target = await start('multitech-mpower');
  const ledger = await ledgers.fresh();
  const stale = secretOf(target, { password: canaryPassword('stale') });
  expect(check(await preflight(stale, ledger), 'login')?.status).toBe('fail');
  const before = target.requests.length;
  const report = await preflight(secretOf(target), ledger);
  expect(check(report, 'budget')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/budget of .* is spent; nothing was sent\. Safe to try again after \d{4}-/) });
  expect(check(report, 'login')?.status).toBe('skipped');
  expect(target.requests.length).toBe(before);
  expect(report.exitCode).toBe(1);
  // The ledger holds preflight's refused login, charged to it by name.
  const record = await ledger.read(accountOf({ vendor: 'multitech-mpower', host: target.host, port: target.port, username: USER }));
  expect(record.charges.map((c) => [c.state, c.by])).toEqual([['failed', 'preflight (operator)']]);
});

test('commissioning mode: said so, exit 1', async () => {
  const target = await start('multitech-mpower', { commissioning: true });
  const report = await preflight(secretOf(target));
  expect(check(report, 'login')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/^commissioning mode: .*commission it/) });
  expect(report.exitCode).toBe(1);
});

test('another session bound to another address: said so, with the single-egress advice, exit 1', async () => {
  const target = (await start('multitech-mpower', { sessionPerAddress: true })) as MPowerSimulatedDevice;
  target.openSessionFrom('192.0.2.80', USER);
  const report = await preflight(secretOf(target));
  expect(check(report, 'login')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/another session is bound to another address: .*singleEgressSubnets/) });
  expect(report.exitCode).toBe(1);
});

test("policy mismatch: a passwordPolicy the device's known policy refuses (WSO2: at most 30 characters), exit 1", async () => {
  const target = await start('wso2-emm');
  const report = await preflight(secretOf(target, { passwordPolicy: { length: 40 } }));
  expect(check(report, 'login')?.status).toBe('ok');
  expect(check(report, 'policy')).toMatchObject({ status: 'fail', summary: expect.stringContaining("longer than the device's maximum of 30") });
  expect(report.exitCode).toBe(1);
});

test('an invalid secret: every field at fault named, nothing contacted, exit 2', async () => {
  const report = await preflight({ vendor: 'multitech-mpower', host: 'https://10.0.0.1', username: 'admin', password: canaryPassword('x'), conversation: { maxRestarts: 99 } });
  expect(report.exitCode).toBe(2);
  expect(report.checks).toHaveLength(1);
  expect(report.checks[0].summary).toMatch(/field "host" must be a host name or IP address, not a URL.*field "conversation.maxRestarts"/);
});

test('--format json: the same facts, parseable, with the exit code', async () => {
  const target = await start('oracle-sdwan-edge');
  const report = await preflight(secretOf(target));
  const parsed = JSON.parse(formatPreflightJson(report)) as PreflightReport;
  expect(parsed).toEqual(JSON.parse(JSON.stringify(report)));
  expect(parsed).toMatchObject({ exitCode: 0, ready: true, device: { vendor: 'oracle-sdwan-edge', host: target.host, port: target.port, username: USER } });
  expect(parsed.checks.map((c) => c.name)).toEqual(['secret', 'tls', 'budget', 'login', 'policy']);
});

test('from Secrets Manager: reads AWSCURRENT of the secret named, and names the secret in the report', async () => {
  const target = await start('oracle-unified-assurance');
  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand, { SecretId: 'network/assure1', VersionStage: 'AWSCURRENT' }).resolves({ SecretString: JSON.stringify(secretOf(target)) });
  try {
    const report = await runPreflight({ source: { secretId: 'network/assure1' } });
    expect(report).toMatchObject({ secret: 'network/assure1', exitCode: 0 });
    expectNoSecrets(formatPreflightJson(report), [password]);
  } finally {
    secrets.restore();
  }
});
