import { DescribeExecutionCommand, type ExecutionListItem, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { parseRotationExecutionName, secretTag } from './execution-names';
import { stepFunctions } from '../aws/step-functions-client';

/** Another execution that may change this secret's device started first; this one stops before touching the device. */
export class RotationInProgressError extends Error {
  override readonly name = 'RotationInProgressError';
  constructor(secretArn: string, other: string) {
    super(
      `Secret ${secretArn}: a rotation of this secret is already running in execution ${other}; this execution stopped ` +
        'before touching the device, so that only one changes it. Wait for that execution to end (a scheduled retry then ' +
        'finds the rotation done, or resumes it).',
    );
  }
}

/** The actions that may change a device; `verify` and `test` only log in and never conflict. */
const CHANGING = new Set(['set', 'rotate']);

export function changesDevice(action: string | undefined): boolean {
  return action !== undefined && CHANGING.has(action);
}

async function runningExecutions(stateMachineArn: string): Promise<ExecutionListItem[]> {
  const running: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await stepFunctions().send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }));
    running.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return running;
}

function startOf(item: { startDate?: Date }): number {
  return item.startDate instanceof Date ? item.startDate.getTime() : Number(item.startDate ?? 0);
}

/**
 * Of the running executions that would change this secret's device, only the one that started first goes on: every
 * other one fails fast with `RotationInProgressError`. Each execution decides for itself from the same facts (start
 * time, then name), so whatever the interleaving exactly one proceeds, and no lock service is needed. The rotation
 * function's executions say in their names which secret they are for and whether they change it; only the others
 * (console executions) are described, so the cost does not grow with the rotations of other secrets in flight.
 */
export async function ensureFirstInLine(args: {
  stateMachineArn: string;
  executionArn: string;
  secret: { arn: string; name: string };
}): Promise<void> {
  const running = await runningExecutions(args.stateMachineArn);
  const mine = running.find((item) => item.executionArn === args.executionArn);
  const myKey = { start: mine === undefined ? Date.now() : startOf(mine), name: mine?.name ?? args.executionArn.split(':').pop() ?? '' };
  for (const other of running) {
    if (other.executionArn === args.executionArn) continue;
    const otherKey = { start: startOf(other), name: other.name ?? '' };
    const earlier = otherKey.start < myKey.start || (otherKey.start === myKey.start && otherKey.name < myKey.name);
    if (!earlier) continue;
    const reserved = parseRotationExecutionName(otherKey.name);
    if (reserved !== undefined) {
      // Such a name that lies about its secret or action stops at its first task (describeDevice), before any device.
      if (reserved.purpose === 'set' && reserved.tag === secretTag(args.secret.arn)) throw new RotationInProgressError(args.secret.arn, other.executionArn as string);
      continue;
    }
    const described = await stepFunctions().send(new DescribeExecutionCommand({ executionArn: other.executionArn }));
    let input: { action?: string; secretArn?: string } = {};
    try {
      input = JSON.parse(described.input ?? '{}') as typeof input;
    } catch {
      continue;
    }
    const sameSecret = input.secretArn === args.secret.arn || input.secretArn === args.secret.name;
    if (sameSecret && changesDevice(input.action)) throw new RotationInProgressError(args.secret.arn, other.executionArn as string);
  }
}
