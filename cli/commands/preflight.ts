import { readFileSync } from 'node:fs';
import { DeviceLedger } from '../../lambda/ledger/device-ledger';
import type { CliContext, CommandModule } from '../context';
import { ReportedExit, UsageError } from '../io';
import { formatPreflight, type PreflightSource, runPreflight } from '../preflight';

/** Any deployment option given: then the login goes through that deployment's ledger. */
function namesDeployment(context: CliContext): boolean {
  const globals = context.globals();
  return globals.local === true || globals.localFile !== undefined || globals.stack !== undefined || globals.consoleStateMachineArn !== undefined || globals.ledgerTable !== undefined;
}

function sourceOf(secret: string | undefined, file: string | undefined): PreflightSource {
  if ((secret === undefined) === (file === undefined)) throw new UsageError('preflight takes a secret (name or ARN, read from Secrets Manager) or --file <path>, one of the two');
  if (file === undefined) return { secretId: secret as string };
  try {
    return { secretString: readFileSync(file, 'utf8'), label: file };
  } catch (error) {
    throw new UsageError(`--file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** `preflight <secret>` / `preflight --file <path>`: checks a device secret and its device, changing nothing on it. */
export const preflightCommand: CommandModule = (program, context) => {
  program
    .command('preflight')
    .summary('check a device secret and its device before the first rotation; changes nothing')
    .description(
      'Validate the secret, read the device\'s certificate and compare it with the pin (a tls block to paste when there is none), log in once with AWSCURRENT (within the ledger\'s budget when a deployment is named), check the password policy against the device\'s, and say what a rotation would do and what would stop it. Nothing is changed on the device. Exit code 0 ready, 1 something would stop a rotation, 2 the secret is not usable.',
    )
    .argument('[secret]', 'the device secret in Secrets Manager: its name, partial ARN or ARN (AWSCURRENT is read)')
    .option('--file <path>', 'a device secret\'s JSON in a local file, not yet stored')
    .action(async (secret: string | undefined, options: { file?: string }) => {
      const source = sourceOf(secret, options.file);
      const format = context.globals().format;
      if (format === 'csv') throw new UsageError('preflight prints text (--format table, the default) or --format json');
      const ledgerTable = namesDeployment(context) ? (await context.deployment()).ledgerTable : undefined;
      const ledger = ledgerTable === undefined ? undefined : new DeviceLedger({ tableName: ledgerTable });
      const report = await runPreflight({ source, ledger });
      context.io.out(formatPreflight(report, format === 'json' ? 'json' : 'text'));
      if (report.exitCode !== 0) throw new ReportedExit(report.exitCode);
    });
};
