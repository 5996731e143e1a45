import { automatedBudget, VENDOR_LOCKOUT } from '../../lambda/ledger/lockout';
import { buildCases, type CaseResult, formatRow, holds, INVARIANTS, MATRIX_DEADLINE_MS, MATRIX_LATENCY_MS, runMatrix, variantSampleCases } from '../../local/fault-matrix';
import { simulatorVariants } from '../../local/simulators';
import { VENDORS } from '../../lambda/device/types';

/**
 * The whole fault matrix (`local/fault-matrix.ts`, also `npm run test:faults`): every vendor × every device operation on
 * the rotation path × every fault that applies, plus the persistent faults (wrong stored password, locked account,
 * certificate not the pinned one). One engine, a fresh simulated device per case; each case must hold every invariant.
 * Every device runs at its vendor's realistic lockout limit, its window compressed to a second. It runs in about 70 s
 * on 2 cores, so the test runs all of it on the default simulators; on every other selectable simulator variant it runs
 * one case (on the part of the protocol the variant changes), and `npm run test:faults` the whole matrix.
 */
const cases = [...buildCases(), ...variantSampleCases()];
const results = new Map<string, CaseResult>();

beforeAll(async () => {
  const { results: all } = await runMatrix({ cases });
  for (const result of all) results.set(result.case.name, result);
}, 420_000);

test('the matrix covers every vendor, operation and fault', () => {
  expect(MATRIX_LATENCY_MS).toBeGreaterThan(MATRIX_DEADLINE_MS);
  expect(results.size).toBe(cases.length);
  expect(cases.length).toBeGreaterThanOrEqual(110);
  const faults = new Set(cases.map((c) => c.fault.replace(/ \d+ ms$/, '')));
  for (const fault of ['latency', 'drop-before', 'drop-after', 'server-error 500', 'session-expired', 'conversation-expired', 'reject-new-password', 'wrong-password', 'locked', 'pin-mismatch']) {
    expect(faults).toContain(fault);
  }
  // Every selectable variant of every vendor's simulator is in the run.
  for (const vendor of VENDORS) {
    for (const variant of simulatorVariants(vendor)) expect(cases.some((c) => c.vendor === vendor && c.variant.name === variant.name)).toBe(true);
  }
  // The field's answers at login: a 409 (session bound elsewhere, commissioning) or a 403 about the timestamp is an
  // unknown outcome, named for what it is, never retried, and the next rotation completes once it is gone.
  for (const [fault, error] of [
    ['login 409 (session bound to another address)', 'SessionBoundToAddressError'],
    ['login 409 (commissioning mode)', 'DeviceCommissioningError'],
    ['login 403 (timestamp)', 'LoginOutcomeUnknownError'],
  ]) {
    const found = [...results.values()].filter((r) => r.case.fault === fault);
    expect(found.length).toBeGreaterThan(0);
    for (const result of found) expect(result.outcome).toBe(`recovered by console rotate (${error})`);
  }
  // Every transient fault was reached on the rotation path (none armed on a request that never came).
  const unreached = [...results.values()].filter((result) => result.notes.some((note) => note.startsWith('the fault never fired')));
  expect(unreached.map((result) => result.case.name)).toEqual([]);
  // The functions' logs were on and captured in every case, so the leak scan read them.
  const silent = [...results.values()].filter((result) => result.notes.some((note) => note.startsWith('note: nothing was printed')));
  expect(silent.map((result) => result.case.name)).toEqual([]);
  // The persistent faults fail the rotation with the error that says why.
  for (const [fault, error] of [['locked', 'AccountLockedError'], ['pin-mismatch', 'TlsVerificationError']]) {
    for (const result of [...results.values()].filter((r) => r.case.fault === fault)) expect(result.outcome).toBe(`failed: ${error}`);
  }
  // A wrong stored password: out of sync once each distinct stored password was tried; on a device whose lockout
  // leaves the rotator a budget of one failed login per window (mPower: 3, one kept for a human), the search stops
  // after the first refusal and says when it is safe to go on.
  for (const result of [...results.values()].filter((r) => r.case.fault === 'wrong-password')) {
    const error = automatedBudget(VENDOR_LOCKOUT[result.case.vendor]) < 2 ? 'LoginBudgetExhaustedError' : 'DeviceOutOfSyncError';
    expect(`${result.case.vendor}: ${result.outcome}`).toBe(`${result.case.vendor}: failed: ${error}`);
  }
  // A refused new password is recovered by a console rotate once the device accepts it.
  for (const result of [...results.values()].filter((r) => r.case.fault === 'reject-new-password')) expect(result.outcome).toMatch(/^recovered by console rotate/);
});

test.each(cases.map((c) => [c.name]))('%s holds every invariant', (name) => {
  const result = results.get(name);
  expect(result).toBeDefined();
  if (result === undefined) return;
  const broken = INVARIANTS.filter((invariant) => result.checks[invariant] === false);
  // The row and the notes say which invariant broke and why (error message, what the device holds).
  expect({ row: formatRow(result), broken, notes: result.notes }).toEqual({ row: formatRow(result), broken: [], notes: result.notes });
  expect(holds(result)).toBe(true);
  expect(result.outcome).not.toMatch(/^harness error/);
});
