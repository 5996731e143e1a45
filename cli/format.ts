/** Text renderings of rows: an aligned table for people, CSV (RFC 4180) and JSON for programs. */

export function renderTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, index) => Math.max(column.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index])))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function renderCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return [columns, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n');
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A date for people: ISO 8601 to the second, UTC. */
export function formatDate(date: Date | number | string | undefined): string | undefined {
  if (date === undefined) return undefined;
  const value = new Date(date);
  return Number.isNaN(value.getTime()) ? undefined : value.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
