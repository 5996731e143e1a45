import type { CommandModule } from '../context';
import { renderCsv, renderJson } from '../format';
import { type SecretStatus, secretStatus } from '../secret-status';

/** The status as (field, value) pairs, in the order people read them. */
export function statusFields(status: SecretStatus): [string, string][] {
  const ledger = status.ledger;
  const failure = status.lastFailure;
  const heartbeat = status.lastHeartbeat;
  const fields: [string, string][] = [
    ['secret', status.secret],
    ['arn', status.arn],
    ['vendor', status.vendor ?? '(unknown)'],
    ['account', status.account ?? '(unknown)'],
    ['rotation', status.rotation.enabled ? `enabled, ${status.rotation.schedule ?? 'no schedule'}` : 'disabled'],
    ['rotation function', status.rotation.functionArn ?? '(none)'],
    ...status.versions.map((version): [string, string] => [`version ${version.id}`, version.stages.join(', ') || '(no stage)']),
    ['pending rotation', status.pendingRotation === undefined ? 'none' : `yes, token ${status.pendingRotation} (AWSPENDING)`],
    ['last rotation', status.lastRotation ?? 'never'],
    ['next rotation', status.nextRotation ?? (status.rotation.enabled ? 'per schedule' : 'none (rotation disabled)')],
    ['last heartbeat', heartbeat === undefined ? 'never' : `${heartbeat.at ?? '?'} ${heartbeat.outcome}${heartbeat.detail === undefined ? '' : `: ${heartbeat.detail}`}`],
    ['last failure', failure === undefined ? 'none' : `${failure.at ?? '?'} ${failure.status} ${failure.error}${failure.state === undefined ? '' : ` in "${failure.state}"`} (${failure.stateMachine} execution ${failure.execution})`],
  ];
  if (failure?.cause !== undefined) fields.push(['  cause', failure.cause]);
  if (failure !== undefined) fields.push(['  what to do', failure.fix]);
  if (ledger !== undefined) {
    fields.push(
      ['ledger budget', `${ledger.chargedInWindow} of ${ledger.budget} failed logins charged in the last ${ledger.lockout.windowSeconds} s${ledger.inFlight > 0 ? ` (${ledger.inFlight} in flight)` : ''}; the device locks at ${ledger.lockout.attempts}`],
      ['lease', ledger.lease === undefined ? 'free' : `held by ${ledger.lease.holder} until ${ledger.lease.until ?? '?'}`],
      ['locked until', ledger.lockedUntil ?? 'not locked'],
      ['last accepted login', ledger.lastAcceptedLogin ?? 'never'],
    );
  } else {
    fields.push(['ledger budget', '(not read, see notes)']);
  }
  for (const note of status.notes) fields.push(['note', note]);
  return fields;
}

/** `status <secret>`: versions and stages, last and next rotation, last heartbeat, last failure, ledger budget. */
export const statusCommand: CommandModule = (program, context) => {
  program
    .command('status')
    .summary('one secret: stages, rotations, heartbeat, last failure, ledger budget')
    .description('Show one secret: versions and stages, last and next rotation, last heartbeat, last failure (and what to do), the device ledger\'s failed-login budget and lease. Reads AWSCURRENT to find the account in the ledger; never prints a password.')
    .argument('<secret>', 'the device secret: its name, partial ARN or ARN')
    .action(async (secret: string) => {
      const status = await secretStatus(await context.deployment(), secret);
      const format = context.globals().format;
      if (format === 'json') return context.io.out(renderJson(status));
      const fields = statusFields(status);
      if (format === 'csv') return context.io.out(renderCsv(['field', 'value'], fields));
      const width = Math.max(...fields.map(([field]) => field.length));
      for (const [field, value] of fields) context.io.out(`${field.padEnd(width)}  ${value}`);
    });
};
