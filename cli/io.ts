/** Where a command writes: standard output for results, standard error for progress notes and errors. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** A bad command line or argument (an unknown secret, a missing deployment): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The action ran and failed (or could not run): exit code 1, with what to do. */
export class ActionFailedError extends Error {
  override readonly name = 'ActionFailedError';
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** The command printed its own outcome (a report with its verdict): exit with this code, adding nothing. */
export class ReportedExit extends Error {
  override readonly name = 'ReportedExit';
  constructor(readonly exitCode: number) {
    super(`exit code ${exitCode}`);
  }
}

export type OutputFormat = 'table' | 'csv' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json'];

/** The text of an AWS SDK error, without its stack: `<name>: <message>`. */
export function describeAwsError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
