import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { VENDORS } from '../../lambda/device/types';
import { FAULTS, main } from '../../local/start';

describe('npm start', () => {
  test('rotates every simulated device as Secrets Manager would, shows each state, proves the result, exits 0', () => {
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'local/start.ts'], {
      cwd: join(__dirname, '../..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    const out = run.stdout;
    for (const vendor of VENDORS) expect(out).toContain(`  ${vendor}: OK`);
    expect(out.match(/logs in: yes/g)).toHaveLength(VENDORS.length);
    expect(out.match(/old password refused: yes/g)).toHaveLength(VENDORS.length);
    expect(out).toMatch(/execution set-[0-9a-f]{10}-[0-9a-f-]{36}\n/);
    expect(out).toMatch(/execution test-[0-9a-f]{10}-[0-9a-f-]{36}\n/);
    expect(out).toMatch(/✓ mPower: Retype new password +\d+ ms/);
    expect(out).toContain('All 4 device(s) OK.');
    // The functions' JSON log lines stay out of the way unless asked for.
    expect(out).not.toMatch(/^\{"level"/m);
  }, 70_000);

  test('with an injected fault it shows the recovery path and still ends OK', async () => {
    const lines: string[] = [];
    const code = await main(['--vendor', 'multitech-mpower', '--fault', 'aasid-expires'], (text) => lines.push(text));
    const out = lines.join('\n');
    expect(code).toBe(0);
    expect(out).toMatch(/↻ mPower: Answer new password .* caught: SessionExpiredError/);
    expect(out).toMatch(/✓ mPower: Count restart/);
    expect(out).toContain('multitech-mpower: OK');
  }, 30_000);

  test('"resume" shows a failed rotation, then completes it with the same token', async () => {
    const lines: string[] = [];
    const code = await main(['--vendor', 'oracle-unified-assurance', '--action', 'resume'], (text) => lines.push(text));
    const out = lines.join('\n');
    expect(code).toBe(0);
    expect(out).toMatch(/✗ Unified Assurance: Log in and change password .* failed: PasswordRejectedError/);
    const failedToken = /execution set-[0-9a-f]{10}-([0-9a-f-]{36})/.exec(out)?.[1];
    expect(out).toContain(`AWSCURRENT  ${failedToken}`);
  }, 30_000);

  test('"verify" changes nothing', async () => {
    const lines: string[] = [];
    expect(await main(['--vendor', 'wso2-emm', '--action', 'verify'], (text) => lines.push(text))).toBe(0);
    expect(lines.join('\n')).toContain('0 password change(s)');
  }, 30_000);

  test('--help says every option, fault and exit code, and exits 0', async () => {
    const lines: string[] = [];
    expect(await main(['--help'], (text) => lines.push(text))).toBe(0);
    const out = lines.join('\n');
    expect(out).toContain('Usage: npm start -- [options]');
    for (const option of ['--vendor <vendor>', '--action <action>', '--fault <fault>', '--logs']) expect(out).toContain(option);
    for (const fault of Object.keys(FAULTS)) expect(out).toMatch(new RegExp(`^  ${fault} +\\S`, 'm'));
    expect(out).toContain('Exit codes: 0');
  });

  test('a bad command line exits 2 and says what is allowed', async () => {
    const lines: string[] = [];
    expect(await main(['--vendor', 'cisco'], (text) => lines.push(text))).toBe(2);
    expect(lines.join('\n')).toContain('one of multitech-mpower, wso2-emm, oracle-sdwan-edge, oracle-unified-assurance');
    expect(await main(['--fault', 'meteor'], (text) => lines.push(text))).toBe(2);
    expect(await main(['--nope'], (text) => lines.push(text))).toBe(2);
  });
});
