/**
 * `npm run test:faults`: the fault matrix. Every vendor × every device operation on the rotation path × every fault
 * that applies to it (plus, per vendor, the persistent faults: stored password wrong, account locked, certificate not
 * the pinned one). Each case runs a scheduled rotation against a fresh simulated device and checks five invariants:
 *
 *   1 works     some stored version (AWSCURRENT or AWSPENDING) is the device's real password (read from the device,
 *               not by logging in, so the check costs no failed login). Not applicable when the case itself changed
 *               the device password behind the rotator's back.
 *   2 result    when the rotation reported success: AWSCURRENT is the device password, AWSPREVIOUS the old one.
 *   3 no lock   the rotator caused no lockout: never locked by failed logins, and the failed logins within the window
 *               stayed below the limit. Every device runs at its vendor's realistic limit (its module's `lockout`) with the
 *               window compressed to MATRIX_WINDOW_SECONDS, declared the same in the secret (`lockout`).
 *   4 no leak   no password, old or new, and no device token in any execution history or anything printed.
 *   5 clear     on failure, the message names the secret ARN and the device host:port or the step; for a transient
 *               fault, once it is gone, a console {"action":"rotate"} completes the rotation. A persistent fault must
 *               fail the rotation.
 *
 *   npm run test:faults                                  the whole matrix, on every simulator variant
 *   npm run test:faults -- --variant default             one variant (its name in the vendor's SimulatorModule)
 *   npm run test:faults -- --vendor <vendor> --only change-password    a part of it (--only: substring of the case name)
 *   npm run test:faults -- --verbose                     also print each case's notes (error messages)
 *
 * Exit code 0 when every case holds every invariant, 1 otherwise, 2 for a bad command line.
 */
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { secretForms } from '../lambda/device/errors';
import { VENDORS, type Vendor } from '../lambda/device/types';
import { accountOf } from '../lambda/ledger/account';
import { DeviceLedger } from '../lambda/ledger/device-ledger';
import { type LockoutModel, VENDOR_LOCKOUT } from '../lambda/ledger/lockout';
import { rotationExecutionBase } from '../lambda/rotation/execution-names';
import { executionArnFor, executionName, MAX_EXECUTIONS_PER_STEP } from '../lambda/rotation/executions';
import { captureOutput } from './capture-output';
import { type LocalEngine, startLocalEngine } from './engine/local-engine';
import { DEFAULT_VARIANT, type Fault, type FaultOperation, type FaultRule, type SimulatedDevice, simulatorModule, simulatorVariants, startSimulator } from './simulators';
import type { CaseSetup, SimulatorVariant } from './simulators/simulator-module';
import { type CampaignResult, CONSOLE_ROUNDS, formatCampaignHeader, formatCampaignRow, RETRIES, runCampaign, SCENARIOS } from './fault-campaigns';

const USER = 'admin';
/** The lockout window of every matrix device (and of its secret), compressed from minutes so that recovery can wait it out. */
export const MATRIX_WINDOW_SECONDS = 1;

/** The vendor's realistic lockout limit, in a compressed window. */
export function matrixLockout(vendor: Vendor, windowSeconds = MATRIX_WINDOW_SECONDS): LockoutModel {
  return { attempts: VENDOR_LOCKOUT[vendor].attempts, windowSeconds };
}

/** Deadline of one device request in the matrix, and the latency that goes beyond it. */
export const MATRIX_DEADLINE_MS = 300;
export const MATRIX_LATENCY_MS = 600;

export type PersistentFault = 'wrong-password' | 'locked' | 'pin-mismatch';

export interface FaultCase {
  /** `vendor / operation / fault`, or `vendor [variant] / operation / fault` on a variant other than the default */
  readonly name: string;
  readonly vendor: Vendor;
  /** The simulator variant the device runs (`SimulatorModule.variants`). */
  readonly variant: SimulatorVariant;
  readonly operation: string;
  readonly fault: string;
  /** The transient fault armed on the device (times: 1). */
  readonly rule?: FaultRule;
  readonly persistent?: PersistentFault;
  /** What it takes for the operation to be on the path at all. */
  readonly setup?: CaseSetup;
}


export const INVARIANTS = ['works', 'result', 'no lock', 'no leak', 'clear'] as const;
export type Invariant = (typeof INVARIANTS)[number];
/** true: holds; false: broken; null: not applicable to this case. */
export type Check = boolean | null;

export interface CaseResult {
  readonly case: FaultCase;
  readonly outcome: string;
  readonly checks: Record<Invariant, Check>;
  /** Why an invariant broke, the error message, whether the fault fired. */
  readonly notes: string[];
  readonly durationMs: number;
}

export function holds(result: CaseResult): boolean {
  return INVARIANTS.every((invariant) => result.checks[invariant] !== false);
}

function faultsFor(operation: FaultOperation, latencyMs: number): Array<{ label: string; fault: Fault }> {
  const faults: Array<{ label: string; fault: Fault }> = [
    { label: `latency ${latencyMs} ms`, fault: { kind: 'latency', ms: latencyMs } },
    { label: 'drop-before', fault: { kind: 'drop-before' } },
    { label: 'drop-after', fault: { kind: 'drop-after' } },
    { label: 'server-error 500', fault: { kind: 'server-error', status: 500 } },
  ];
  if (operation.session) faults.push({ label: 'session-expired', fault: { kind: 'session-expired' } });
  if (operation.conversation === true) faults.push({ label: 'conversation-expired', fault: { kind: 'conversation-expired' } });
  if (operation.rejects === true) faults.push({ label: 'reject-new-password', fault: { kind: 'reject-new-password' } });
  return faults;
}

const PERSISTENT_FAULTS = ['wrong-password', 'locked', 'pin-mismatch'] as const;

function vendorAndVariant(vendor: Vendor, variant: SimulatorVariant): string {
  return variant.name === DEFAULT_VARIANT.name ? vendor : `${vendor} [${variant.name}]`;
}

/** Every case of one vendor on one simulator variant: each operation × each fault, its field faults, the persistent faults. */
function casesOf(vendor: Vendor, variant: SimulatorVariant, latencyMs: number): FaultCase[] {
  const prefix = vendorAndVariant(vendor, variant);
  const module = simulatorModule(vendor);
  const cases: FaultCase[] = [];
  for (const operation of module.faultOperations) {
    for (const { label, fault } of faultsFor(operation, latencyMs)) {
      cases.push({
        name: `${prefix} / ${operation.label} / ${label}`,
        vendor,
        variant,
        operation: operation.label,
        fault: label,
        rule: { on: operation.on, skip: operation.skip, times: 1, fault },
        setup: operation.setup,
      });
    }
  }
  for (const field of module.fieldFaults ?? []) {
    const on = typeof field.rule.on === 'string' ? field.rule.on : '(any)';
    cases.push({ name: `${prefix} / ${on} / ${field.label}`, vendor, variant, operation: on, fault: field.label, rule: { times: 1, ...field.rule } });
  }
  for (const persistent of PERSISTENT_FAULTS) {
    cases.push({ name: `${prefix} / (stored secret) / ${persistent}`, vendor, variant, operation: '(stored secret)', fault: persistent, persistent });
  }
  return cases;
}

/**
 * Every case of the matrix, in a stable order: on each vendor's default simulator, or (`variants: 'all'`) on every
 * selectable variant of it too (`SimulatorModule.variants`).
 */
export function buildCases(latencyMs = MATRIX_LATENCY_MS, variants: 'default' | 'all' = 'default'): FaultCase[] {
  return VENDORS.flatMap((vendor) => (variants === 'all' ? simulatorVariants(vendor) : [DEFAULT_VARIANT]).flatMap((variant) => casesOf(vendor, variant, latencyMs)));
}

/**
 * A cheap sample of the matrix on every variant other than the default (what `npm test` runs; `npm run test:faults`
 * runs all of it), one case each, on the part of the protocol the variant changes (`SimulatorVariant.changes`): a lost
 * change answer (the change runs in the variant's words) or a stored password changed by hand (the refusals come in
 * its shape, through the engine).
 */
export function variantSampleCases(latencyMs = MATRIX_LATENCY_MS): FaultCase[] {
  return VENDORS.flatMap((vendor) => {
    const module = simulatorModule(vendor);
    const change = module.faultOperations.find((operation) => operation.on === module.changeRequest.on && (operation.skip ?? 0) === (module.changeRequest.skip ?? 0));
    const wanted = (variant: SimulatorVariant) => (variant.changes === 'login' ? '(stored secret) / wrong-password' : `${change?.label ?? ''} / drop-after`);
    return simulatorVariants(vendor)
      .slice(1)
      .flatMap((variant) => casesOf(vendor, variant, latencyMs).filter((c) => `${c.operation} / ${c.fault}` === wanted(variant)));
  });
}

/** Which canaries (by kind, never by value) appear in the text. */
function leaks(text: string, canaries: ReadonlyArray<{ kind: string; value: string }>): string[] {
  const found = new Set<string>();
  for (const { kind, value } of canaries) {
    if (value.length < 6) continue;
    if (secretForms(value).some((form) => text.includes(form))) found.add(kind);
  }
  return [...found];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until every login the ledger charged to the account has left the lockout window. */
export async function untilBudgetFree(engine: LocalEngine, secret: { vendor: Vendor; host: string; port: number; username: string }, lockout: LockoutModel): Promise<void> {
  const record = await new DeviceLedger({ tableName: engine.ledgerTable }).read(accountOf(secret));
  const latest = Math.max(0, ...record.charges.map((charge) => charge.at));
  const wait = latest + lockout.windowSeconds * 1000 - Date.now();
  if (wait > 0) await sleep(wait + 20);
}

/**
 * The error type of a failed rotation, read from structured fields, never from a message: the `error` of the last
 * failed execution the rotation ran (named `<purpose>-<secret tag>-<token>[-<attempt>]` on the rotation state machine,
 * execution-names.ts), or else the rotation Lambda's own `errorType` (a step that ran no execution, or one still running).
 */
async function errorTypeOf(engine: LocalEngine, secretArn: string, failure: { token: string; errorType: string }): Promise<string> {
  let last: { error: string; stoppedAt: number } | undefined;
  for (const purpose of ['set', 'test', 'check'] as const) {
    for (let attempt = 1; attempt <= MAX_EXECUTIONS_PER_STEP; attempt += 1) {
      const executionArn = executionArnFor(engine.stateMachineArn, executionName(rotationExecutionBase(purpose, secretArn, failure.token), attempt));
      let described: DescribeExecutionCommandOutput;
      try {
        described = await engine.clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) break;
        throw error;
      }
      if (described.status === 'SUCCEEDED' || described.status === 'RUNNING' || described.error === undefined) continue;
      const stoppedAt = described.stopDate?.getTime() ?? 0;
      if (last === undefined || stoppedAt >= last.stoppedAt) last = { error: described.error, stoppedAt };
    }
  }
  return last?.error ?? failure.errorType;
}

export interface MatrixContext {
  readonly engine: LocalEngine;
  /** A certificate fingerprint of another device, for the pin-mismatch cases. */
  readonly foreignFingerprint: string;
  readonly latencyMs: number;
  /** Executions already scanned (the scan of a case reads only the new ones). */
  readonly seenExecutions: Set<string>;
}

async function newExecutionHistories(context: MatrixContext): Promise<string> {
  const { engine, seenExecutions } = context;
  const arns = (await engine.executionArns()).filter((arn) => !seenExecutions.has(arn));
  const texts: string[] = [];
  for (const arn of arns) {
    seenExecutions.add(arn);
    texts.push(JSON.stringify(await engine.history(arn)));
  }
  return texts.join('\n');
}

/** Runs one case on a fresh simulated device and checks the five invariants. */
export async function runCase(context: MatrixContext, faultCase: FaultCase): Promise<CaseResult> {
  const { engine } = context;
  const started = Date.now();
  const notes: string[] = [];
  const checks: Record<Invariant, Check> = { works: null, result: null, 'no lock': null, 'no leak': null, clear: null };
  const oldPassword = `Cy!old${randomBytes(6).toString('hex')}Q9`;
  const canaries: Array<{ kind: string; value: string }> = [{ kind: 'old password', value: oldPassword }];
  const lockout = matrixLockout(faultCase.vendor);
  // A lock lasts an hour: one the rotator caused cannot pass unnoticed before the case is judged.
  const simulatorOptions = { users: [{ username: USER, password: oldPassword }], lockout: { ...lockout, lockSeconds: 3600 } };
  const device: SimulatedDevice = await startSimulator(faultCase.vendor, { ...simulatorOptions, ...faultCase.variant.options, ...faultCase.setup?.simulator });
  const output = captureOutput();
  let outcome = '';
  try {
    const slug = faultCase.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
    const secretArn = await engine.createDeviceSecret(`faults/${slug}-${randomBytes(3).toString('hex')}`, {
      vendor: faultCase.vendor,
      host: device.host,
      port: device.port,
      username: USER,
      password: oldPassword,
      tls: { certificateSha256: faultCase.persistent === 'pin-mismatch' ? context.foreignFingerprint : device.fingerprint256 },
      lockout,
    });
    if (faultCase.persistent === 'wrong-password') {
      const byHand = `Cy!hand${randomBytes(6).toString('hex')}Q9`;
      canaries.push({ kind: 'password set by hand', value: byHand });
      device.overwriteAccount(USER, { password: byHand });
    }
    if (faultCase.persistent === 'locked') device.overwriteAccount(USER, { locked: true });
    for (const rule of faultCase.setup?.extraRules ?? []) device.injectFault(rule);
    if (faultCase.rule !== undefined) device.injectFault(faultCase.rule);

    await engine.rotateSecret(secretArn);
    // A delayed request still acts on the device after the client gave up on it: let it land before judging.
    if (faultCase.rule?.fault.kind === 'latency') await sleep(faultCase.rule.fault.ms + 100);
    if (faultCase.rule !== undefined) {
      const reached = device.requests.filter((request) => request.operation === faultCase.rule?.on).length > (faultCase.rule.skip ?? 0);
      if (!reached) notes.push(`the fault never fired: no ${faultCase.rule.on} request #${faultCase.rule.skip ?? 0} on this rotation`);
    }
    const failure = engine.secrets.lastRotationError(secretArn);
    const after = engine.stored(secretArn);
    const devicePassword = device.passwordOf(USER);

    // 1: some stored version is the device's password.
    if (faultCase.persistent === 'wrong-password') checks.works = null;
    else {
      checks.works = devicePassword === after.current || devicePassword === after.pending;
      if (!checks.works) notes.push('works: the device password is neither AWSCURRENT nor AWSPENDING');
    }

    // 2: a reported success is a real one.
    if (failure === undefined) {
      checks.result = after.current === devicePassword && after.previous === oldPassword && after.current !== oldPassword;
      if (!checks.result) notes.push('result: success reported, but AWSCURRENT is not the device password or AWSPREVIOUS not the old one');
    }

    // 3: no lockout caused.
    const lockCheck = () => {
      const account = device.account(USER);
      if (account.lockouts > 0) notes.push(`no lock: failed logins locked the account ${account.lockouts} time(s)`);
      if (account.failuresInWindow >= lockout.attempts) notes.push(`no lock: ${account.failuresInWindow} failed logins within the window (limit ${lockout.attempts})`);
      return account.lockouts === 0 && account.failuresInWindow < lockout.attempts;
    };
    checks['no lock'] = lockCheck();

    // 5: an actionable failure, and recovery once the fault is gone.
    if (failure === undefined) {
      outcome = 'rotated';
      if (faultCase.persistent !== undefined) {
        checks.clear = false;
        notes.push(`clear: a persistent fault (${faultCase.persistent}) did not fail the rotation`);
      }
    } else {
      const errorType = await errorTypeOf(engine, secretArn, failure);
      outcome = `failed: ${errorType}`;
      notes.push(`${failure.step} failed (${failure.errorType}): ${failure.errorMessage}`);
      const namesSecret = failure.errorMessage.includes(secretArn);
      const namesWhere = failure.errorMessage.includes(`${device.host}:${device.port}`) || /state "[^"]+"|step "[^"]+"/.test(failure.errorMessage);
      if (!namesSecret) notes.push('clear: the message does not name the secret ARN');
      if (!namesWhere) notes.push('clear: the message names neither the device host:port nor the step');
      let recovered = true;
      if (faultCase.persistent === undefined) {
        device.clearFaults();
        // Logins the fault charged to the budget leave it once the (compressed) window has passed.
        await untilBudgetFree(context.engine, { vendor: faultCase.vendor, host: device.host, port: device.port, username: USER }, lockout);
        const rotate = await engine.runExecution({ action: 'rotate', secretArn });
        const again = engine.stored(secretArn);
        const nowOnDevice = device.passwordOf(USER);
        recovered = rotate.status === 'SUCCEEDED' && again.current === nowOnDevice && again.previous === oldPassword && again.current !== oldPassword;
        if (recovered) outcome = `recovered by console rotate (${errorType})`;
        else notes.push(`clear: the console rotate after the fault was gone ended ${rotate.status} ${rotate.error ?? ''}: ${rotate.cause ?? ''}`);
        for (const password of again.all) canaries.push({ kind: 'stored password', value: password });
        // The recovery must not cause a lockout either.
        checks['no lock'] = checks['no lock'] && lockCheck();
        if (checks.works === true && !recovered) checks.works = nowOnDevice === again.current || nowOnDevice === again.pending;
      }
      checks.clear = namesSecret && namesWhere && recovered;
    }

    // 4: no canary anywhere.
    for (const password of after.all) canaries.push({ kind: 'stored password', value: password });
    canaries.push({ kind: 'device password', value: device.passwordOf(USER) });
    for (const token of device.issuedTokens()) canaries.push({ kind: 'device token', value: token });
    const histories = await newExecutionHistories(context);
    const taskFailures = histories.match(/"type":"[A-Za-z]*Failed"/g)?.length ?? 0;
    notes.push(`device: ${device.account(USER).passwordChanges} password change(s), ${device.failedLoginsOf(USER)} failed login(s) now; ${taskFailures} failure event(s) (task or execution) in the histories`);
    const inHistories = leaks(histories, canaries);
    const inOutput = leaks(output.text(), canaries);
    checks['no leak'] = inHistories.length === 0 && inOutput.length === 0;
    if (inHistories.length > 0) notes.push(`no leak: ${inHistories.join(', ')} found in an execution history`);
    if (inOutput.length > 0) notes.push(`no leak: ${inOutput.join(', ')} found in the captured output`);
    if (output.text().length === 0) notes.push('note: nothing was printed during the case (logs off?)');
  } catch (error) {
    outcome = `harness error: ${error instanceof Error ? error.message : String(error)}`;
    for (const invariant of INVARIANTS) if (checks[invariant] === null) checks[invariant] = false;
  } finally {
    output.restore();
    await device.stop();
  }
  return { case: faultCase, outcome, checks, notes, durationMs: Date.now() - started };
}

export interface MatrixOptions {
  readonly cases?: readonly FaultCase[];
  readonly deadlineMs?: number;
  readonly onResult?: (result: CaseResult) => void;
  /** An engine already started (with `deviceRequestTimeoutMs` below the latency); default: one started here. */
  readonly engine?: LocalEngine;
}

/** Starts one engine (unless given), runs every case on a fresh device, returns the results. */
export async function runMatrix(options: MatrixOptions = {}): Promise<{ results: CaseResult[]; durationMs: number }> {
  const started = Date.now();
  const engine = options.engine ?? (await startLocalEngine({ deviceRequestTimeoutMs: options.deadlineMs ?? MATRIX_DEADLINE_MS }));
  const foreign = await startSimulator(VENDORS[0], { users: [{ username: USER, password: `Cy!x${randomBytes(6).toString('hex')}Q9` }] });
  const foreignFingerprint = foreign.fingerprint256;
  await foreign.stop();
  const context: MatrixContext = { engine, foreignFingerprint, latencyMs: MATRIX_LATENCY_MS, seenExecutions: new Set() };
  const results: CaseResult[] = [];
  try {
    for (const faultCase of options.cases ?? buildCases()) {
      const result = await runCase(context, faultCase);
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    if (options.engine === undefined) await engine.stop();
  }
  return { results, durationMs: Date.now() - started };
}

const mark = (check: Check) => (check === null ? '–' : check ? '✓' : '✗');

export function formatRow(result: CaseResult, widths = { name: 80, outcome: 60 }): string {
  return [result.case.name.padEnd(widths.name), result.outcome.padEnd(widths.outcome), ...INVARIANTS.map((invariant) => mark(result.checks[invariant]).padEnd(invariant.length))].join('  ');
}

export function formatHeader(widths = { name: 80, outcome: 60 }): string {
  return ['case (vendor / operation / fault)'.padEnd(widths.name), 'outcome'.padEnd(widths.outcome), ...INVARIANTS].join('  ');
}

export function formatTable(results: readonly CaseResult[]): string {
  return [formatHeader(), ...results.map((result) => formatRow(result))].join('\n');
}

export async function main(argv: string[], print: (text: string) => void = console.log): Promise<number> {
  let values: { vendor?: string; only?: string; variant?: string; verbose?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { vendor: { type: 'string' }, only: { type: 'string' }, variant: { type: 'string' }, verbose: { type: 'boolean' } } }));
  } catch (error) {
    print(`${(error as Error).message}\nUsage: npm run test:faults [-- --vendor <${VENDORS.join('|')}> --variant <name> --only <part of a case name> --verbose]`);
    return 2;
  }
  if (values.vendor !== undefined && !(VENDORS as readonly string[]).includes(values.vendor)) {
    print(`Unknown vendor "${values.vendor}": one of ${VENDORS.join(', ')}`);
    return 2;
  }
  const cases = buildCases(MATRIX_LATENCY_MS, 'all').filter(
    (c) =>
      (values.vendor === undefined || c.vendor === values.vendor) &&
      (values.variant === undefined || c.variant.name === values.variant) &&
      (values.only === undefined || c.name.includes(values.only)),
  );
  if (cases.length === 0) {
    print('No case matches.');
    return 2;
  }
  print(`Fault matrix: ${cases.length} case(s); device request deadline ${MATRIX_DEADLINE_MS} ms, latency faults ${MATRIX_LATENCY_MS} ms.`);
  print('Invariants: works = a stored version is the device password; result = a reported success is real; no lock = no lockout caused;');
  print('            no leak = no password or token in histories or output; clear = actionable failure, recovery once the fault is gone.\n');
  print(formatHeader());
  const { results, durationMs } = await runMatrix({
    cases,
    onResult: (result) => {
      print(formatRow(result));
      if (values.verbose === true || !holds(result)) for (const note of result.notes) print(`      ${note}`);
    },
  });
  const broken = results.filter((result) => !holds(result));
  print(`\n${results.length} case(s) in ${(durationMs / 1000).toFixed(1)} s: ${results.length - broken.length} hold every invariant, ${broken.length} do not.`);
  for (const result of broken) print(`  ✗ ${result.case.name}: ${result.notes.filter((note) => /^(works|result|no lock|no leak|clear):/.test(note)).join('; ') || result.outcome}`);
  if (values.vendor !== undefined || values.only !== undefined || values.variant !== undefined) return broken.length === 0 ? 0 : 1;

  print(`\nCampaigns: a failed scheduled rotation, ${RETRIES} Secrets Manager reattempts, then ${CONSOLE_ROUNDS} console "rotate" and "verify" each, within one lockout window.`);
  print(formatCampaignHeader());
  const engine = await startLocalEngine({ deviceRequestTimeoutMs: MATRIX_DEADLINE_MS });
  const campaigns: CampaignResult[] = [];
  try {
    for (const vendor of VENDORS) {
      for (const scenario of SCENARIOS) {
        // The functions' log lines are not part of the table.
        const output = captureOutput();
        let result: CampaignResult;
        try {
          result = await runCampaign(engine, vendor, scenario);
        } finally {
          output.restore();
        }
        campaigns.push(result);
        print(formatCampaignRow(result));
        if (values.verbose === true || !result.held) for (const line of [...result.actions, ...result.notes]) print(`      ${line}`);
      }
    }
  } finally {
    await engine.stop();
  }
  const failedCampaigns = campaigns.filter((result) => !result.held);
  print(`\n${campaigns.length} campaign(s): ${campaigns.length - failedCampaigns.length} held, ${failedCampaigns.length} did not.`);
  return broken.length === 0 && failedCampaigns.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`fault matrix failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
