import type { CommandModule } from '../context';
import { type FleetEntry, fleet } from '../fleet';
import { renderCsv, renderJson, renderTable } from '../format';

const COLUMNS: readonly { readonly title: string; readonly value: (entry: FleetEntry) => string }[] = [
  { title: 'secret', value: (e) => e.secret },
  { title: 'vendor', value: (e) => e.vendor },
  { title: 'enrollment', value: (e) => e.enrollment },
  { title: 'rotation', value: (e) => e.rotation },
  { title: 'last rotation', value: (e) => e.lastRotation },
  { title: 'next rotation', value: (e) => e.nextRotation },
  { title: 'pending', value: (e) => e.pendingRotation },
  { title: 'last failure', value: (e) => e.lastFailure },
  { title: 'error', value: (e) => e.lastFailureError },
];

/** `report`: the whole fleet, one line per secret. */
export const reportCommand: CommandModule = (program, context) => {
  program
    .command('report')
    .summary('the whole fleet, as a table, CSV or JSON')
    .description('List the fleet: every secret this rotator rotates or that carries its tag, with its rotation state, pending rotation and last failed rotation. --format csv|json for programs.')
    .action(async () => {
      const { entries, notes } = await fleet(await context.deployment());
      const format = context.globals().format;
      for (const note of notes) context.io.err(`note: ${note}`);
      if (format === 'json') return context.io.out(renderJson(entries));
      const rows = entries.map((entry) => COLUMNS.map((column) => column.value(entry)));
      const titles = COLUMNS.map((column) => column.title);
      if (format === 'csv') return context.io.out(renderCsv(titles, rows));
      context.io.out(renderTable(titles, rows));
      context.io.out(`${entries.length} secret(s); ${entries.filter((e) => e.pendingRotation !== '').length} with a pending rotation; ${entries.filter((e) => e.lastFailure !== '').length} with a failed rotation on record`);
    });
};
