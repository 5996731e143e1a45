import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { lastStateEntered, stepFunctions } from '../aws/step-functions-client';
import type { ExecutionFailedEvent } from './events';

/** What a failed execution says about itself: what it was for, where it stopped and why. */
export interface ExecutionFacts {
  readonly executionArn: string;
  readonly executionName: string;
  readonly stateMachineName: string;
  readonly status: string;
  /** From the execution's input: the secret (an ARN, or a name for a console input) and the action. */
  readonly secretId?: string;
  readonly action?: string;
  readonly failedState?: string;
  readonly errorName: string;
  readonly errorMessage: string;
}

/** Error names for the statuses that carry none. */
const STATUS_ERROR: Readonly<Record<string, string>> = { TIMED_OUT: 'States.Timeout', ABORTED: 'ExecutionAborted' };

/**
 * Reads the execution (DescribeExecution for its input, error and cause; the end of its history for the state it
 * failed in). The state machines are encrypted with a customer-managed key: both reads need kms:Decrypt, which the
 * notifier is granted for these state machines only. What the event itself carries fills in what cannot be read.
 */
export async function executionFacts(event: ExecutionFailedEvent): Promise<ExecutionFacts> {
  let described: { input?: string; error?: string; cause?: string; status?: string } = {};
  try {
    described = await stepFunctions().send(new DescribeExecutionCommand({ executionArn: event.executionArn }));
  } catch {
    // The event's own fields stand in.
  }
  const status = described.status ?? event.status;
  const input = parseInput(described.input ?? event.input);
  const errorName = described.error ?? event.error ?? STATUS_ERROR[status] ?? status;
  return {
    executionArn: event.executionArn,
    executionName: event.executionArn.split(':').pop() ?? event.executionArn,
    stateMachineName: event.stateMachineArn.split(':').pop() ?? event.stateMachineArn,
    status,
    secretId: input.secretArn,
    action: input.action,
    failedState: await lastStateEntered(event.executionArn),
    errorName,
    errorMessage: causeText(described.cause ?? event.cause) ?? (status === 'ABORTED' ? 'the execution was stopped' : 'no cause given'),
  };
}

function parseInput(input: string | undefined): { secretArn?: string; action?: string } {
  try {
    const parsed = JSON.parse(input ?? '') as Record<string, unknown>;
    const pick = (key: string) => (typeof parsed[key] === 'string' ? (parsed[key] as string) : undefined);
    return { secretArn: pick('secretArn') ?? pick('secretId'), action: pick('action') };
  } catch {
    return {};
  }
}


/** A Lambda failure's cause is the runtime's JSON (errorType, errorMessage, trace): only its message is read. */
function causeText(cause: string | undefined): string | undefined {
  if (cause === undefined) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: a Fail state's own cause.
  }
  return cause;
}
