import { DescribeExecutionCommand, type ExecutionListItem, type ExecutionStatus, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { failureAction } from '../lambda/failure-actions';
import { parseRotationExecutionName, secretTag } from '../lambda/rotation/execution-names';
import type { Deployment } from './deployment';
import { executionHistory, stateLines } from './progress';

/** The most recent execution for a secret that did not succeed. */
export interface LastFailure {
  readonly execution: string;
  readonly executionArn: string;
  readonly stateMachine: 'rotation' | 'console';
  readonly status: string;
  readonly at?: Date;
  readonly error: string;
  readonly cause?: string;
  readonly state?: string;
  readonly fix: string;
}

const ENDED_BADLY: readonly ExecutionStatus[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];
/** Console executions name no secret: at most this many of the newest failed ones are described to find the secret's. */
const CONSOLE_DESCRIBED = 10;

async function listed(client: SFNClient, stateMachineArn: string, maxResults: number): Promise<ExecutionListItem[]> {
  const pages = await Promise.all(
    ENDED_BADLY.map((statusFilter) => client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter, maxResults }))),
  );
  return pages.flatMap((page) => page.executions ?? []).sort((a, b) => Number(b.stopDate ?? b.startDate ?? 0) - Number(a.stopDate ?? a.startDate ?? 0));
}

/** Whether a console input names the secret (by ARN, partial ARN or name). */
function inputNames(input: string | undefined, secret: { ARN: string; Name: string }): boolean {
  try {
    const given = (JSON.parse(input ?? '{}') as { secretArn?: unknown }).secretArn;
    return typeof given === 'string' && (given === secret.ARN || given === secret.Name || secret.ARN.startsWith(`${given}-`));
  } catch {
    return false;
  }
}

/**
 * The secret's last failed (timed out, aborted) execution: the rotation state machine's are found by name (they carry
 * the secret's tag, lambda/rotation/execution-names.ts), the console's by their input among the newest failures.
 */
export async function lastFailure(client: SFNClient, deployment: Deployment, secret: { ARN: string; Name: string }): Promise<LastFailure | undefined> {
  const tag = secretTag(secret.ARN);
  const [rotation, consoleRuns] = await Promise.all([listed(client, deployment.rotationStateMachineArn, 100), listed(client, deployment.consoleStateMachineArn, CONSOLE_DESCRIBED)]);
  const candidates: { item: ExecutionListItem; stateMachine: 'rotation' | 'console' }[] = [];
  const mine = rotation.find((item) => parseRotationExecutionName(item.name ?? '')?.tag === tag);
  if (mine !== undefined) candidates.push({ item: mine, stateMachine: 'rotation' });
  for (const item of consoleRuns.slice(0, CONSOLE_DESCRIBED)) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn: item.executionArn }));
    if (inputNames(described.input, secret)) {
      candidates.push({ item, stateMachine: 'console' });
      break;
    }
  }
  const newest = candidates.sort((a, b) => Number(b.item.stopDate ?? 0) - Number(a.item.stopDate ?? 0))[0];
  if (newest === undefined) return undefined;
  const executionArn = newest.item.executionArn as string;
  const described = await client.send(new DescribeExecutionCommand({ executionArn }));
  const failedState = stateLines(newest.item.name ?? executionArn, await executionHistory(client, executionArn))
    .filter((line) => line.outcome === 'failed')
    .at(-1);
  const error = described.error ?? described.status ?? 'unknown';
  return {
    execution: newest.item.name ?? executionArn,
    executionArn,
    stateMachine: newest.stateMachine,
    status: described.status ?? 'FAILED',
    at: described.stopDate,
    error,
    cause: described.cause,
    state: failedState?.state,
    fix: failureAction(error),
  };
}

/** The newest failed execution of the rotation state machine for each secret tag (one listing for a whole fleet). */
export async function lastRotationFailures(client: SFNClient, rotationStateMachineArn: string, maxExecutions = 1000): Promise<Map<string, ExecutionListItem>> {
  const byTag = new Map<string, ExecutionListItem>();
  for (const statusFilter of ENDED_BADLY) {
    let nextToken: string | undefined;
    let seen = 0;
    do {
      const page = await client.send(new ListExecutionsCommand({ stateMachineArn: rotationStateMachineArn, statusFilter, maxResults: 1000, nextToken }));
      for (const item of page.executions ?? []) {
        const tag = parseRotationExecutionName(item.name ?? '')?.tag;
        const known = tag === undefined ? undefined : byTag.get(tag);
        if (tag !== undefined && (known === undefined || Number(item.stopDate ?? 0) > Number(known.stopDate ?? 0))) byTag.set(tag, item);
      }
      seen += page.executions?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken !== undefined && seen < maxExecutions);
  }
  return byTag;
}
