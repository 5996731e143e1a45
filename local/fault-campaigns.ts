/**
 * Campaigns: what a real account goes through when a rotation goes wrong, run against one device at its vendor's
 * realistic lockout limit. A scheduled rotation fails; Secrets Manager reattempts it (the four steps again, same token)
 * `RETRIES` times; then an operator runs console `rotate` and `verify` `CONSOLE_ROUNDS` times each, all within one
 * lockout window. The device is out of sync (its password changed by hand), slow to refuse (the password changed by
 * hand, and every refusal answered after the request deadline), or lost the answer to the change (it changed).
 *
 * Held when: the account was never locked; the failed logins the whole campaign spent within the window stayed below
 * the device's limit (the ledger keeps one attempt for a human); and some stored version logs in at the end (for a
 * device changed by hand, which no stored version matches, that the rotator did not change it: the operator's fix,
 * "set the device password to the AWSCURRENT value", still works).
 */
import { randomBytes } from 'node:crypto';
import type { Vendor } from '../lambda/device/types';
import { VENDORS } from '../lambda/device/types';
import type { LocalEngine } from './engine/local-engine';
import { MATRIX_DEADLINE_MS, matrixLockout } from './fault-matrix';
import { CHANGE_REQUEST, startSimulator } from './simulators';

const USER = 'admin';
/** Secrets Manager's reattempts of the failed rotation, with the same token. */
export const RETRIES = 3;
/** Console `rotate`s and `verify`s (each) after them. */
export const CONSOLE_ROUNDS = 3;
/** Long enough that the whole campaign falls inside one window: every failed login it spends counts together. */
const CAMPAIGN_WINDOW_SECONDS = 120;

export const SCENARIOS = ['out-of-sync', 'slow-refusal', 'lost-answer'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface CampaignResult {
  readonly vendor: Vendor;
  readonly scenario: Scenario;
  /** Device actions: executions and Secrets Manager step invocations, in order, with how each ended. */
  readonly actions: readonly string[];
  readonly failedLogins: number;
  readonly limit: number;
  readonly lockouts: number;
  /** Some stored version is the device's password (or, changed by hand, the device password is still the hand-set one). */
  readonly storedVersionWorks: boolean;
  readonly held: boolean;
  readonly notes: readonly string[];
}

/** Secrets Manager's reattempt of a rotation: the four steps again with the same token, stopping at the first failure. */
async function reattempt(engine: LocalEngine, secretArn: string, token: string): Promise<string> {
  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
    const result = await engine.lambda.invoke(engine.rotationFunctionArn, { Step, SecretId: secretArn, ClientRequestToken: token });
    if (!result.ok) return `${Step} failed (${result.errorType})`;
  }
  return 'completed';
}

export async function runCampaign(engine: LocalEngine, vendor: Vendor, scenario: Scenario): Promise<CampaignResult> {
  const lockout = matrixLockout(vendor, CAMPAIGN_WINDOW_SECONDS);
  const oldPassword = `Cy!old${randomBytes(6).toString('hex')}Q9`;
  const device = await startSimulator(vendor, {
    users: [{ username: USER, password: oldPassword }],
    lockout: { ...lockout, lockSeconds: 3600 },
    ...(scenario === 'slow-refusal' ? { refusalDelayMs: 2 * MATRIX_DEADLINE_MS } : {}),
  });
  const actions: string[] = [];
  const notes: string[] = [];
  try {
    const secretArn = await engine.createDeviceSecret(`campaigns/${vendor}-${scenario}-${randomBytes(3).toString('hex')}`, {
      vendor,
      host: device.host,
      port: device.port,
      username: USER,
      password: oldPassword,
      tls: { certificateSha256: device.fingerprint256 },
      lockout,
    });
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    const byHand = `Cy!hand${randomBytes(6).toString('hex')}Q9`;
    if (scenario === 'lost-answer') device.injectFault({ ...CHANGE_REQUEST[vendor], fault: { kind: 'drop-after' } });
    else device.overwriteAccount(USER, { password: byHand });

    await engine.rotateSecret(secretArn);
    const failure = engine.secrets.lastRotationError(secretArn);
    actions.push(`scheduled: ${failure === undefined ? 'completed' : `${failure.step} failed`}`);
    const token = failure?.token;
    for (let i = 0; i < RETRIES && token !== undefined; i += 1) actions.push(`reattempt: ${await reattempt(engine, secretArn, token)}`);
    for (let i = 0; i < CONSOLE_ROUNDS; i += 1) {
      for (const action of ['rotate', 'verify'] as const) {
        const run = await engine.runExecution({ action, secretArn });
        actions.push(`${action}: ${run.status === 'SUCCEEDED' ? 'succeeded' : (run.error ?? run.status)}`);
      }
    }

    const account = device.account(USER);
    const stored = engine.stored(secretArn);
    const onDevice = device.passwordOf(USER);
    const storedVersionWorks = scenario === 'lost-answer' ? [stored.current, stored.pending].includes(onDevice) : onDevice === byHand;
    if (!storedVersionWorks) notes.push(scenario === 'lost-answer' ? 'no stored version is the device password' : 'the rotator changed a device it could not log in to');
    if (account.lockouts > 0) notes.push(`failed logins locked the account ${account.lockouts} time(s)`);
    if (account.totalFailedLogins >= lockout.attempts) notes.push(`${account.totalFailedLogins} failed logins within the window, limit ${lockout.attempts}`);
    const held = account.lockouts === 0 && account.totalFailedLogins < lockout.attempts && storedVersionWorks;
    return { vendor, scenario, actions, failedLogins: account.totalFailedLogins, limit: lockout.attempts, lockouts: account.lockouts, storedVersionWorks, held, notes };
  } finally {
    await device.stop();
  }
}

export async function runCampaigns(engine: LocalEngine, onResult?: (result: CampaignResult) => void): Promise<CampaignResult[]> {
  const results: CampaignResult[] = [];
  for (const vendor of VENDORS) {
    for (const scenario of SCENARIOS) {
      const result = await runCampaign(engine, vendor, scenario);
      results.push(result);
      onResult?.(result);
    }
  }
  return results;
}

export function formatCampaignHeader(): string {
  return `${'campaign (vendor / device)'.padEnd(42)}  ${'failed logins / limit'.padEnd(22)}  ${'locked'.padEnd(6)}  ${'stored works'.padEnd(12)}  held`;
}

export function formatCampaignRow(result: CampaignResult): string {
  const spent = `${result.failedLogins} of ${result.limit}`;
  return [
    `${result.vendor} / ${result.scenario}`.padEnd(42),
    spent.padEnd(22),
    (result.lockouts > 0 ? 'yes' : 'no').padEnd(6),
    (result.storedVersionWorks ? '✓' : '✗').padEnd(12),
    result.held ? '✓' : '✗',
  ].join('  ');
}
