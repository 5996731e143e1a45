import { type CampaignResult, CONSOLE_ROUNDS, formatCampaignRow, RETRIES, runCampaigns, SCENARIOS } from '../../local/fault-campaigns';
import { MATRIX_DEADLINE_MS } from '../../local/fault-matrix';
import { useLocalEngine } from '../helpers/engine-harness';
import { VENDORS } from '../../lambda/device/types';
import { VENDOR_LOCKOUT } from '../../lambda/ledger/lockout';

/**
 * The fault matrix's campaigns (`local/fault-campaigns.ts`, also printed by `npm run test:faults`): for every vendor at
 * its realistic lockout limit, an out-of-sync device, a slow-refusing device and a device that lost the change answer,
 * through a failed scheduled rotation, Secrets Manager's reattempts and repeated console actions.
 */
const harness = useLocalEngine({ deviceRequestTimeoutMs: MATRIX_DEADLINE_MS });
const results: CampaignResult[] = [];

beforeAll(async () => {
  results.push(...(await runCampaigns(harness.engine)));
}, 240_000);

test('every vendor runs every scenario at its realistic limit (mPower 3, the others 5)', () => {
  expect(results.map((r) => `${r.vendor}/${r.scenario}`)).toEqual(VENDORS.flatMap((vendor) => SCENARIOS.map((scenario) => `${vendor}/${scenario}`)));
  for (const result of results) {
    expect(result.limit).toBe(VENDOR_LOCKOUT[result.vendor].attempts);
    // the scheduled rotation, its reattempts (when it failed), and the console rounds all ran
    expect(result.actions.filter((a) => a.startsWith('rotate:') || a.startsWith('verify:'))).toHaveLength(2 * CONSOLE_ROUNDS);
    if (result.actions[0] !== 'scheduled: completed') expect(result.actions.filter((a) => a.startsWith('reattempt:'))).toHaveLength(RETRIES);
  }
  expect(VENDOR_LOCKOUT['multitech-mpower'].attempts).toBe(3);
});

test.each(VENDORS.flatMap((vendor) => SCENARIOS.map((scenario) => [`${vendor} / ${scenario}`])))('%s: never locked, failed logins under the limit, a stored version works', (name) => {
  const result = results.find((r) => `${r.vendor} / ${r.scenario}` === name) as CampaignResult;
  expect({ row: formatCampaignRow(result), notes: result.notes, actions: result.actions }).toEqual({ row: formatCampaignRow(result), notes: [], actions: result.actions });
  expect(result.lockouts).toBe(0);
  // One attempt always stays in reserve for a human: at most limit - 2 spent.
  expect(result.failedLogins).toBeLessThanOrEqual(result.limit - 2);
  expect(result.held).toBe(true);
});

test('a device that lost the change answer ends rotated: the search tried the pending version first, at no failed login', () => {
  for (const result of results.filter((r) => r.scenario === 'lost-answer')) {
    expect(result.actions[0]).toBe('scheduled: completed');
    expect(result.failedLogins).toBe(0);
  }
});
