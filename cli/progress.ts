import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';

/** One state of an execution, as the Step Functions console lists it. */
export interface StateLine {
  readonly execution: string;
  readonly state: string;
  readonly durationMs: number;
  readonly outcome: 'succeeded' | 'failed' | 'caught';
  readonly error?: string;
}

function timeOf(event: HistoryEvent): number {
  return event.timestamp instanceof Date ? event.timestamp.getTime() : Number(event.timestamp ?? 0);
}

/** The states of one execution's history, with durations and outcomes, in order. */
export function stateLines(execution: string, events: readonly HistoryEvent[]): StateLine[] {
  const lines: StateLine[] = [];
  let entered: { name: string; at: number } | undefined;
  let failure: string | undefined;
  for (const event of events) {
    if (event.stateEnteredEventDetails?.name !== undefined) {
      entered = { name: event.stateEnteredEventDetails.name, at: timeOf(event) };
      failure = undefined;
    }
    const failed = event.lambdaFunctionFailedEventDetails ?? event.taskFailedEventDetails ?? event.lambdaFunctionTimedOutEventDetails;
    if (failed !== undefined) failure = failed.error;
    if (event.stateExitedEventDetails?.name !== undefined && entered !== undefined) {
      lines.push({ execution, state: entered.name, durationMs: timeOf(event) - entered.at, outcome: failure === undefined ? 'succeeded' : 'caught', error: failure });
      entered = undefined;
    }
    if (event.type === 'ExecutionFailed' && entered !== undefined) {
      lines.push({ execution, state: entered.name, durationMs: timeOf(event) - entered.at, outcome: 'failed', error: event.executionFailedEventDetails?.error ?? failure });
      entered = undefined;
    }
  }
  return lines;
}

export function formatLine(line: StateLine): string {
  const mark = line.outcome === 'succeeded' ? '✓' : line.outcome === 'caught' ? '↻' : '✗';
  const note = line.error === undefined ? '' : `  ${line.outcome === 'caught' ? 'caught' : 'failed'}: ${line.error}`;
  return `    ${mark} ${line.state.padEnd(44)} ${String(line.durationMs).padStart(5)} ms${note}`;
}

/**
 * Follows every execution of the given state machines and prints each state as it completes, the way the console's
 * execution view shows it. Call `poll` repeatedly (or `follow` until `stop`), then `flush` once at the end.
 */
export class ExecutionFollower {
  private readonly printed = new Map<string, number>();

  constructor(
    private readonly client: SFNClient,
    /** Every state machine whose executions to follow (the rotation function's and the console's). */
    private readonly stateMachineArns: readonly string[],
    private readonly print: (text: string) => void,
  ) {}

  async poll(): Promise<void> {
    const listed = await Promise.all(
      this.stateMachineArns.map((stateMachineArn) => this.client.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }))),
    );
    const executions = listed
      .flatMap((page) => page.executions ?? [])
      .sort((a, b) => Number(a.startDate ?? 0) - Number(b.startDate ?? 0));
    for (const execution of executions) {
      const arn = execution.executionArn as string;
      const name = execution.name ?? arn;
      const history = await this.client.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
      const lines = stateLines(name, history.events ?? []);
      const done = this.printed.get(arn);
      if (done === undefined) {
        this.print(`  execution ${name}`);
        this.printed.set(arn, 0);
      }
      for (const line of lines.slice(this.printed.get(arn))) this.print(formatLine(line));
      this.printed.set(arn, lines.length);
    }
  }

  /** Polls until `until` settles, then once more, so nothing is missed. */
  async follow<T>(until: Promise<T>, intervalMs = 50): Promise<T> {
    let settled = false;
    const watched = until.finally(() => {
      settled = true;
    });
    while (!settled) {
      await this.poll();
      await Promise.race([watched.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, intervalMs))]);
    }
    await this.poll();
    return watched;
  }
}

/** Every event of one execution's history so far, all pages. */
export async function executionHistory(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events;
}

/**
 * Follows one execution: prints each state as it completes, until the execution has ended; returns how it ended and
 * its full history. One DescribeExecution and one history read per interval (their quotas are per account: on AWS,
 * poll about once a second).
 */
export async function followExecution(
  client: SFNClient,
  executionArn: string,
  print: (text: string) => void,
  intervalMs: number,
): Promise<{ described: DescribeExecutionCommandOutput; history: HistoryEvent[] }> {
  let printed = 0;
  const printNew = (history: HistoryEvent[]) => {
    const lines = stateLines(executionArn, history);
    for (const line of lines.slice(printed)) print(formatLine(line));
    printed = lines.length;
  };
  for (;;) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    const history = await executionHistory(client, executionArn);
    printNew(history);
    if (described.status !== undefined && described.status !== 'RUNNING' && described.status !== 'PENDING_REDRIVE') {
      return { described, history };
    }
    await sleep(intervalMs);
  }
}
