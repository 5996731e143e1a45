/**
 * `npx device-password-rotator <command>`: the operator CLI. Each command is one file under cli/commands/ and one
 * line in COMMANDS. `main` takes the arguments and where to write, and returns the exit code: 0 success, 1 the action
 * failed (with what to do), 2 a bad command line or argument.
 */
import { Command, CommanderError, Option } from 'commander';
import { abandonCommand } from './commands/abandon';
import { preflightCommand } from './commands/preflight';
import { reportCommand } from './commands/report';
import { rotateCommand } from './commands/rotate';
import { statusCommand } from './commands/status';
import { verifyCommand } from './commands/verify';
import type { CliContext, CommandModule } from './context';
import { applyEnvironment, DEFAULT_TAG_KEY, type Deployment, type GlobalOptions, resolveDeployment } from './deployment';
import { ActionFailedError, describeAwsError, type Io, OUTPUT_FORMATS, processIo, ReportedExit, UsageError } from './io';
import { DEFAULT_LOCAL_FILE } from './local-file';

export const COMMANDS: readonly CommandModule[] = [rotateCommand, verifyCommand, abandonCommand, statusCommand, reportCommand, preflightCommand];

export const PROGRAM_NAME = 'device-password-rotator';

function createProgram(io: Io): { program: Command; context: CliContext } {
  const program = new Command(PROGRAM_NAME)
    .description('Operate the device password rotator: console actions followed live, the state of a secret, the fleet.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .option('--region <region>', 'AWS region (default: the standard chain, AWS_REGION or the profile\'s)')
    .option('--profile <profile>', 'AWS profile of the shared config files (default: the standard credential chain)')
    .option('--stack <name>', 'the rotator\'s CloudFormation stack: its outputs give the state machine ARNs')
    .addOption(new Option('--console-state-machine-arn <arn>', 'the console state machine, explicitly (instead of --stack)'))
    .addOption(new Option('--state-machine <arn>', 'same as --console-state-machine-arn').hideHelp())
    .option('--ledger-table <name>', 'the device ledger table (default: from the stack outputs or the rotation function\'s settings)')
    .option('--tag-key <key>', 'the tag that enrolls a secret and names its vendor', DEFAULT_TAG_KEY)
    .option('--local', `against the local engine (\`npm run local\`), as described in ${DEFAULT_LOCAL_FILE}`)
    .option('--local-file <path>', 'against the local engine described in this file (implies --local)')
    .addOption(new Option('--format <format>', 'output format of status, report and preflight').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText(
      'after',
      `
Examples:
  npx ${PROGRAM_NAME} rotate network/edge-17 --stack DevicePasswordRotator
  npx ${PROGRAM_NAME} status network/edge-17 --stack DevicePasswordRotator --region eu-west-1
  npx ${PROGRAM_NAME} report --format csv --stack DevicePasswordRotator > fleet.csv
  npm run local   # then, in another terminal:  npx ${PROGRAM_NAME} verify devices/<vendor> --local

Exit codes: 0 success, 1 the action failed (the output says what to do), 2 a bad command line or argument.`,
    );

  let deployment: Promise<Deployment> | undefined;
  const globals = (): GlobalOptions => {
    const options = program.opts<GlobalOptions & { stateMachine?: string }>();
    return { ...options, consoleStateMachineArn: options.consoleStateMachineArn ?? options.stateMachine };
  };
  const context: CliContext = {
    io,
    globals,
    deployment: () => (deployment ??= resolveDeployment(globals())),
  };
  for (const register of COMMANDS) register(program, context);
  return { program, context };
}

/** Runs one command line (`argv` without the node and script paths); returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const { program, context } = createProgram(io);
  let restore: (() => void) | undefined;
  program.hook('preAction', () => {
    restore = applyEnvironment(context.globals());
  });
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ReportedExit) return error.exitCode;
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof ActionFailedError) {
      io.err(`error: ${error.message}`);
      if (error.fix !== undefined) io.err(`what to do: ${error.fix}`);
      return 1;
    }
    io.err(`error: ${describeAwsError(error)}`);
    if (error instanceof Error && /credential/i.test(`${error.name} ${error.message}`)) {
      io.err('what to do: give AWS credentials the standard way (--profile, AWS_PROFILE, AWS_ACCESS_KEY_ID…), or use --local');
    }
    return 1;
  } finally {
    restore?.();
  }
}

/** The `bin` entry: runs the process's command line and exits with its code. */
export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`${PROGRAM_NAME} failed: ${describeAwsError(error)}`);
      process.exit(1);
    },
  );
}
