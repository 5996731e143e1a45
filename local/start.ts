/**
 * `npm start`: a real rotation of four simulated devices, on this machine, without AWS.
 *
 *   npm start                                             rotate every device, as Secrets Manager's schedule would
 *   npm start -- --vendor <vendor> --action verify   one device, one console action: rotate | verify | resume
 *   npm start -- --vendor <vendor> --fault aasid-expires   watch a recovery path (see FAULTS)
 *
 *   npm start -- --logs                                   also print the functions' log lines
 *   npm start -- --help                                   the options, the faults, the exit codes
 *
 * It shows each state of each execution as it completes, then proves the result on each device. Exit code 0 when
 * every device ended as it should, 1 otherwise (with the reason), 2 for a bad command line.
 */
import { randomBytes } from 'node:crypto';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createDeviceClient } from '../lambda/device/registry';
import { VENDORS, type Vendor } from '../lambda/device/types';
import { endpointOf, parseDeviceSecret } from '../lambda/secret/device-secret';
import { type LocalEngine, startLocalEngine } from './engine/local-engine';
import { ExecutionFollower } from '../cli/progress';
import { CHANGE_REQUEST, deviceSecretFor, type FaultRule, type SimulatedDevice, simulatorModule, startSimulator } from './simulators';

export const ACTIONS = ['rotate', 'verify', 'resume'] as const;
type Action = (typeof ACTIONS)[number];

/** Faults to watch the recovery paths with. */
export const FAULTS: Record<string, { describe: string; rule: (vendor: Vendor) => FaultRule }> = {
  'lost-answer': {
    describe: 'the device changes the password, then the answer is lost: the workflow finds the new password works and does not change it again',
    rule: (vendor) => ({ ...CHANGE_REQUEST[vendor], fault: { kind: 'drop-after' } }),
  },
  'aasid-expires': {
    describe: 'the conversation id (aasID) dies mid-conversation: the conversation restarts from login (vendors with a password conversation)',
    rule: (vendor) => {
      const rule = simulatorModule(vendor).conversationExpires;
      if (rule === undefined) throw new Error(`vendor ${vendor} has no password conversation: --fault aasid-expires does not apply`);
      return rule;
    },
  },
  'device-5xx': {
    describe: 'the device answers HTTP 503 to the change, having done nothing: retried with backoff',
    rule: (vendor) => ({ ...CHANGE_REQUEST[vendor], fault: { kind: 'server-error', status: 503 } }),
  },
  'slow-device': {
    describe: 'every device answer takes 300 ms: waited for, within the deadline',
    rule: () => ({ fault: { kind: 'latency', ms: 300 }, times: Infinity }),
  },
};

const USER = 'admin';

function mask(password: string | undefined): string {
  return password === undefined ? '(none)' : `${'•'.repeat(12)} (${password.length} characters)`;
}

interface DeviceUnderTest {
  readonly vendor: Vendor;
  readonly device: SimulatedDevice;
  readonly secretArn: string;
  readonly initialPassword: string;
}

async function setUp(engine: LocalEngine, vendor: Vendor, fault: FaultRule | undefined): Promise<DeviceUnderTest> {
  const initialPassword = `Init!${randomBytes(6).toString('hex')}Q7`;
  const device = await startSimulator(vendor, { users: [{ username: USER, password: initialPassword }], faults: fault === undefined ? [] : [fault] });
  const secretArn = await engine.createDeviceSecret(`devices/${vendor}`, deviceSecretFor(device, { username: USER, password: initialPassword }));
  return { vendor, device, secretArn, initialPassword };
}

/** Proves the outcome on the device itself. Returns the problems found (empty: all good). */
async function prove(engine: LocalEngine, target: DeviceUnderTest, expectChanged: boolean, print: (text: string) => void): Promise<string[]> {
  const { withStage } = engine.stored(target.secretArn);
  const passwordAt = (stage: string) => {
    const version = withStage(stage);
    return version?.SecretString === undefined ? undefined : { id: version.VersionId, secret: parseDeviceSecret(version.SecretString, target.secretArn, stage) };
  };
  const current = passwordAt('AWSCURRENT');
  const previous = passwordAt('AWSPREVIOUS');
  const problems: string[] = [];
  if (current === undefined) return ['the secret has no AWSCURRENT value'];
  const client = createDeviceClient(endpointOf(current.secret));
  const currentLogin = await client.verifyLogin({ username: USER, password: current.secret.password });
  print(`    AWSCURRENT  ${current.id}  ${mask(current.secret.password)}  logs in: ${currentLogin.status === 'accepted' ? 'yes' : `NO (${currentLogin.status === 'rejected' ? 'refused' : currentLogin.error.message})`}`);
  if (currentLogin.status !== 'accepted') problems.push('AWSCURRENT does not log in');
  if (expectChanged) {
    if (current.secret.password === target.initialPassword) problems.push('AWSCURRENT still holds the old password');
    const oldLogin = await client.verifyLogin({ username: USER, password: target.initialPassword });
    print(`    AWSPREVIOUS ${previous?.id ?? '(none)'}  ${mask(previous?.secret.password)}  old password refused: ${oldLogin.status === 'rejected' ? 'yes' : `NO (${oldLogin.status})`}`);
    if (oldLogin.status !== 'rejected') problems.push('the old password still logs in');
    if (previous?.secret.password !== target.initialPassword) problems.push('AWSPREVIOUS is not the old password');
  } else if (current.secret.password !== target.initialPassword) {
    problems.push('the password changed although nothing should have');
  }
  const account = target.device.account(USER);
  print(
    `    device: ${account.passwordChanges} password change(s); failed logins since the last success: ${account.failedLogins}` +
      `${expectChanged ? ' (the old-password check above is one)' : ''}; locked: ${account.locked ? 'YES' : 'no'}`,
  );
  if (account.locked) problems.push('the account is locked');
  return problems;
}

async function runOne(
  engine: LocalEngine,
  follower: ExecutionFollower,
  vendor: Vendor,
  action: Action | 'scheduled',
  fault: FaultRule | undefined,
  print: (text: string) => void,
): Promise<string[]> {
  const target = await setUp(engine, vendor, fault);
  try {
    print(`\n${vendor}  ${target.device.url}  (${action === 'scheduled' ? 'scheduled rotation: Secrets Manager calls createSecret, setSecret, testSecret, finishSecret' : `console "${action}"`})`);
    if (action === 'scheduled') {
      await follower.follow(engine.rotateSecret(target.secretArn));
      const failure = engine.secrets.lastRotationError(target.secretArn);
      if (failure !== undefined) return [`${failure.step} failed: ${failure.errorMessage}`];
      return await prove(engine, target, true, print);
    }
    // A console action needs rotation configured on the secret, as `cdk deploy` leaves it (this runs testSecret only).
    await follower.follow(engine.rotateSecret(target.secretArn, { rotateImmediately: false }));
    if (action === 'resume') {
      print('  first, a scheduled rotation the device refuses once (its password policy), which leaves the rotation pending:');
      target.device.injectFault({ ...CHANGE_REQUEST[vendor], fault: { kind: 'reject-new-password' } });
      await follower.follow(engine.rotateSecret(target.secretArn));
      print(`  → ${engine.secrets.lastRotationError(target.secretArn)?.errorMessage ?? 'it did not fail'}`);
      print('  then the console "rotate", which resumes the pending rotation with its own token:');
    }
    const run = await follower.follow(engine.runExecution({ action: action === 'verify' ? 'verify' : 'rotate', secretArn: target.secretArn }));
    if (run.status !== 'SUCCEEDED') return [`execution ${run.arn} ${run.status}: ${run.error}: ${run.cause}`];
    return await prove(engine, target, action !== 'verify', print);
  } finally {
    await target.device.stop();
  }
}

/** A value among `allowed`, or a clear error naming them (commander reports it with the option, exit code 2). */
function oneOf<T extends string>(what: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`Unknown ${what} "${value}": one of ${allowed.join(', ')}`);
    return value as T;
  };
}

/** `npm start`'s command line (the same parser as the operator CLI, cli/main.ts). */
function startProgram(print: (text: string) => void): Command {
  return new Command('npm start --')
    .description('A real rotation of one simulated device per vendor, on this machine, without AWS: each state of each execution as it completes, then the result proven on each device.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => print(text.trimEnd()), writeErr: (text) => print(text.trimEnd()) })
    .showHelpAfterError('(add --help for usage)')
    .addOption(new Option('--vendor <vendor>', `one device only: ${VENDORS.join(' | ')} (default: all)`).argParser(oneOf('vendor', VENDORS)))
    .addOption(
      new Option('--action <action>', 'a console action instead of a scheduled rotation: rotate | verify | resume (a rotation the device refuses once, then resumed)').argParser(
        oneOf('action', ACTIONS),
      ),
    )
    .addOption(new Option('--fault <fault>', `inject a fault to watch a recovery path: ${Object.keys(FAULTS).join(' | ')}`).argParser(oneOf('fault', Object.keys(FAULTS))))
    .option('--logs', 'also print the functions\' own (JSON) log lines')
    .addHelpText(
      'after',
      `\nFaults:\n${Object.entries(FAULTS)
        .map(([name, fault]) => `  ${name.padEnd(14)} ${fault.describe}`)
        .join('\n')}\n\nExit codes: 0 every device ended as it should, 1 otherwise (with the reason), 2 a bad command line.\nThe operator CLI against a long-running local engine: npm run local, then npx device-password-rotator --help.`,
    );
}

export async function main(argv: string[], print: (text: string) => void = console.log): Promise<number> {
  const program = startProgram(print);
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const values = program.opts<{ vendor?: Vendor; action?: Action; fault?: string; logs?: boolean }>();
  const vendors: Vendor[] = values.vendor === undefined ? [...VENDORS] : [values.vendor];
  const fault = values.fault === undefined ? undefined : FAULTS[values.fault];

  // The functions' JSON log lines are for CloudWatch; here they would drown the progress. `--logs` shows them.
  if (values.logs !== true) process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  print('Starting the local AWS stand-ins and the state machine CDK synthesizes…');
  const engine = await startLocalEngine({ retryIntervalMs: 100 });
  const follower = new ExecutionFollower(engine.clients.stepFunctions, [engine.stateMachineArn, engine.consoleStateMachineArn], print);
  const failures: string[] = [];
  try {
    for (const vendor of vendors) {
      if (fault !== undefined) print(`\nInjected fault "${values.fault}": ${fault.describe}`);
      const problems = await runOne(engine, follower, vendor, values.action ?? 'scheduled', fault?.rule(vendor), print);
      for (const problem of problems) failures.push(`${vendor}: ${problem}`);
      print(problems.length === 0 ? `  ${vendor}: OK` : `  ${vendor}: FAILED — ${problems.join('; ')}`);
    }
  } finally {
    await engine.stop();
  }
  print(failures.length === 0 ? `\nAll ${vendors.length} device(s) OK.` : `\n${failures.length} problem(s):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  return failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
