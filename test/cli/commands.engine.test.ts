import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VENDORS } from '../../lambda/device/types';
import { DeviceLedger } from '../../lambda/ledger/device-ledger';
import { main } from '../../cli/main';
import { failureAction } from '../../lambda/failure-actions';
import { startLocalService, type LocalService } from '../../local/serve';
import { CHANGE_REQUEST } from '../../local/simulators';
import { canaryPassword, expectNoSecrets } from '../helpers/canary';

/**
 * Every command of the operator CLI, run in-process (`main(argv, io)`) against a local engine listening on its ports,
 * described in a file as `npm run local` writes it: the same code path as against AWS, only the endpoints differ.
 */
let service: LocalService;
let dir: string;
let file: string;
const canaries: Record<string, string> = {};
/** Everything every command printed: scanned for passwords at the end. */
const printed: string[] = [];

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...argv, '--local-file', file], { out: (text) => out.push(text), err: (text) => err.push(text) });
  printed.push(...out, ...err);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const [A, B, C, D] = VENDORS;
const secretOf = (vendor: string) => service.description.secrets.find((secret) => secret.vendor === vendor) as { name: string; arn: string; vendor: string };
const deviceOf = (vendor: string) => service.devices[VENDORS.indexOf(vendor as (typeof VENDORS)[number])];

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  dir = mkdtempSync(join(tmpdir(), 'cli-'));
  file = join(dir, 'engine.json');
  service = await startLocalService({ file, password: (vendor) => (canaries[vendor] = canaryPassword(vendor.slice(0, 4))) });
}, 120_000);

afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('operator CLI against the local engine', () => {
  test('report: every secret of the fleet, as a table, as CSV and as JSON', async () => {
    const table = await cli('report');
    expect(table.code).toBe(0);
    for (const vendor of VENDORS) expect(table.out).toMatch(new RegExp(`^devices/${vendor} +${vendor} +enrolled +enabled`, 'm'));
    expect(table.out).toContain('4 secret(s); 0 with a pending rotation; 0 with a failed rotation on record');

    const csv = await cli('report', '--format', 'csv');
    expect(csv.code).toBe(0);
    const rows = csv.out.split('\r\n').map((line) => line.split(','));
    expect(rows[0]).toEqual(['secret', 'vendor', 'enrollment', 'rotation', 'last rotation', 'next rotation', 'pending', 'last failure', 'error']);
    expect(rows.slice(1).map((row) => row[0]).sort()).toEqual(VENDORS.map((vendor) => `devices/${vendor}`).sort());
    for (const row of rows) expect(row).toHaveLength(9);

    const json = await cli('report', '--format', 'json');
    const entries = JSON.parse(json.out) as { arn: string; enrollment: string; nextRotation: string }[];
    expect(entries.map((entry) => entry.arn).sort()).toEqual(service.description.secrets.map((secret) => secret.arn).sort());
    for (const entry of entries) expect(new Date(entry.nextRotation).getTime()).toBeGreaterThan(Date.now());
  });

  test('verify: follows the execution state by state, changes nothing, exit 0', async () => {
    const { code, out } = await cli('verify', secretOf(A).name);
    expect(code).toBe(0);
    expect(out).toMatch(/^  execution cli-verify-\d{14}-[0-9a-f]{6}$/m);
    expect(out).toMatch(/✓ Check input +\d+ ms/);
    expect(out).toMatch(/✓ .*Verify current password +\d+ ms/);
    expect(out).toContain('verify: SUCCEEDED');
    expect(deviceOf(A).account('admin').passwordChanges).toBe(0);
  });

  test('status: stages, rotations, ledger budget; the last heartbeat once the ledger item has one', async () => {
    const before = await cli('status', secretOf(A).arn);
    expect(before.code).toBe(0);
    expect(before.out).toMatch(/^last heartbeat +never$/m);
    expect(before.out).toMatch(/^last failure +none$/m);
    expect(before.out).toMatch(/^ledger budget +0 of \d+ failed logins charged in the last \d+ s/m);
    expect(before.out).toMatch(/^last accepted login +\d{4}-\d\d-\d\dT/m);
    expect(before.out).toMatch(/^version [0-9a-f-]{36} +AWSCURRENT$/m);

    const { host, port } = deviceOf(A);
    const heartbeat = { at: Date.parse('2026-01-02T03:04:05Z'), outcome: 'ok' as const, executionArn: 'arn:aws:states:us-east-1:000000000000:execution:x:hb-1' };
    await new DeviceLedger({ tableName: service.description.ledgerTable }).recordHeartbeat({ vendor: A, host, port: Number(port), username: 'admin' }, heartbeat);
    const after = await cli('status', secretOf(A).name, '--format', 'json');
    expect(JSON.parse(after.out).lastHeartbeat).toEqual({ ...heartbeat, at: '2026-01-02T03:04:05Z' });

    const csv = await cli('status', secretOf(A).name, '--format', 'csv');
    expect(csv.out.split('\r\n')[0]).toBe('field,value');
    expect(csv.out).toContain('last heartbeat,2026-01-02T03:04:05Z ok');
  });

  test('rotate: follows the execution, rotates the device, exit 0', async () => {
    const { code, out } = await cli('rotate', secretOf(B).name);
    expect(code).toBe(0);
    expect(out).toMatch(/✓ Prepare rotation +\d+ ms/);
    expect(out).toMatch(/✓ Finish rotation +\d+ ms/);
    expect(out).toContain('rotate: SUCCEEDED');
    const stored = service.engine.stored(secretOf(B).arn);
    expect(stored.previous).toBe(canaries[B]);
    expect(stored.current).not.toBe(canaries[B]);
    expect(out).toContain(`AWSCURRENT  ${stored.withStage('AWSCURRENT')?.VersionId}`);
    expect(deviceOf(B).account('admin').passwordChanges).toBe(1);

    const status = JSON.parse((await cli('status', secretOf(B).name, '--format', 'json')).out);
    expect(new Date(status.lastRotation).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  test('a rotate the device refuses: the failed state, the error, what to do, exit 1', async () => {
    deviceOf(C).injectFault({ ...CHANGE_REQUEST[C], fault: { kind: 'reject-new-password' } });
    const { code, out, err } = await cli('rotate', secretOf(C).name);
    expect(code).toBe(1);
    expect(out).toMatch(/✗ .*Log in and change password .* failed: PasswordRejectedError/);
    expect(out).toMatch(/^rotate: FAILED after/m);
    expect(out).toMatch(/^  error: PasswordRejectedError$/m);
    expect(err).toContain(`error: rotate of ${secretOf(C).name} FAILED: PasswordRejectedError`);
    expect(err).toContain(`what to do: ${failureAction('PasswordRejectedError')}`);

    const status = await cli('status', secretOf(C).name);
    expect(status.out).toMatch(/^pending rotation +yes, token [0-9a-f-]{36} \(AWSPENDING\)$/m);
    expect(status.out).toMatch(/^last failure +\S+ FAILED PasswordRejectedError in ".*Log in and change password" \(console execution cli-rotate-/m);
    expect(status.out).toMatch(/^  what to do +The new password breaks the device policy/m);
  });

  test('a failed scheduled rotation shows in report and status (found by the secret tag in its execution name)', async () => {
    deviceOf(D).injectFault({ ...CHANGE_REQUEST[D], fault: { kind: 'reject-new-password' } });
    await service.engine.rotateSecret(secretOf(D).arn);
    const json = JSON.parse((await cli('report', '--format', 'json')).out) as { secret: string; pendingRotation: string; lastFailureError: string }[];
    const entry = json.find((row) => row.secret === secretOf(D).name);
    expect(entry?.lastFailureError).toBe('PasswordRejectedError');
    expect(entry?.pendingRotation).toMatch(/^[0-9a-f-]{36}$/);

    const status = JSON.parse((await cli('status', secretOf(D).name, '--format', 'json')).out);
    expect(status.lastFailure).toMatchObject({ stateMachine: 'rotation', error: 'PasswordRejectedError', status: 'FAILED' });
    expect(status.lastFailure.execution).toMatch(/^set-[0-9a-f]{10}-/);
  });

  test('abandon: sends {"action": "abandon"}, follows the execution and prints its outcome; nothing pending: nothing to abandon', async () => {
    const { code, out } = await cli('abandon', secretOf(A).name);
    const name = /execution (cli-abandon-\S+)/.exec(out)?.[1];
    expect(name).toBeDefined();
    const executionArn = `${service.description.consoleStateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const execution = await service.engine.clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(execution.input ?? '{}')).toEqual({ action: 'abandon', secretArn: secretOf(A).arn });
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}')).toMatchObject({ outcome: 'nothing-to-abandon' });
    expect(code).toBe(0);
    expect(out).toMatch(/✓ Check input/);
    expect(out).toContain('abandon: SUCCEEDED');
    expect(out).toMatch(/^  outcome +nothing-to-abandon$/m);
  });

  test('preflight: a stored secret against its device (pin matches, logs in within the ledger budget); --format json; bad arguments exit 2', async () => {
    const text = await cli('preflight', secretOf(C).name);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/✓ tls +the certificate matches the pinned SHA-256/);
    expect(text.out).toMatch(/✓ login +AWSCURRENT logs in/);
    expect(text.out).toMatch(/✓ budget/);
    expect(text.out).toContain('Nothing was changed on the device.');

    const json = await cli('preflight', secretOf(D).name, '--format', 'json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ ready: true, exitCode: 0, device: { vendor: D } });

    const notThere = await cli('preflight', '--file', join(dir, 'no-such.json'));
    expect(notThere.code).toBe(2);
    expect(notThere.err).toContain('cannot read it (ENOENT)');
    expect((await cli('preflight')).code).toBe(2);
    expect((await cli('preflight', secretOf(C).name, '--format', 'csv')).code).toBe(2);
  });

  test('an unknown secret is a bad argument: exit 2', async () => {
    const { code, err } = await cli('status', 'devices/no-such-device');
    expect(code).toBe(2);
    expect(err).toContain('error: no secret "devices/no-such-device" in Secrets Manager');
    expect((await cli('rotate', 'devices/no-such-device')).code).toBe(2);
  });

  test('the installed command (cli/bin.js) runs in its own process, from the environment the file gives', async () => {
    // Not spawnSync: the engine answering it runs in this process.
    const run = await promisify(execFile)(process.execPath, [join(__dirname, '../../cli/bin.js'), 'status', secretOf(B).name, '--local-file', file], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    printed.push(run.stdout, run.stderr);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^secret +devices\//m);
    expect(run.stdout).toContain(secretOf(B).arn);
  }, 70_000);

  test('no password ever appears in anything the CLI printed', () => {
    const passwords = [...Object.values(canaries), ...service.description.secrets.flatMap((secret) => service.engine.stored(secret.arn).all)];
    expect(passwords.length).toBeGreaterThan(VENDORS.length);
    expect(printed.join('\n').length).toBeGreaterThan(1000);
    expectNoSecrets(printed.join('\n'), passwords);
  });
});
