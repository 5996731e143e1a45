import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionAlreadyExists,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { lastStateEntered, stepFunctions } from '../aws/step-functions-client';
import { AwsThrottledError } from '../aws/throttling';
import { DeviceUnreachableError, SessionExpiredError } from '../device/errors';
import { RotatorError } from '../errors';
import { LoginBudgetExhaustedError } from '../ledger/errors';
import { RotationInProgressError } from './device-lease';
import { ChangeOutcomeUnknownError } from './errors';

/**
 * Failures after which another execution can help (the device was unreachable, a session died, an answer was lost).
 * Any other failure (a refused login or password, an out-of-sync device, a locked account, a bad secret) is final for
 * this rotation: a retry with the same token reports it again without touching the device.
 */
const WORTH_ANOTHER_EXECUTION = new Set<string>([
  DeviceUnreachableError.errorName,
  SessionExpiredError.errorName,
  ChangeOutcomeUnknownError.errorName,
  // Another execution was changing the device; once it has ended, this step may go on.
  RotationInProgressError.errorName,
  // Nothing was sent: the account's failed-login budget had no room. A later attempt, once the window has moved on,
  // costs nothing until the ledger allows a login.
  LoginBudgetExhaustedError.errorName,
  // An AWS call throttled beyond the task's retries: the next attempt comes later, when the quota has room again.
  AwsThrottledError.errorName,
  'States.Timeout',
  'States.TaskFailed',
  'Lambda.ServiceException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
]);

/** At most this many executions per token and purpose: a retry storm cannot become a login storm. */
export const MAX_EXECUTIONS_PER_STEP = 3;

export interface ExecutionRequest {
  readonly stateMachineArn: string;
  /** e.g. `set-<secret tag>-<token>` (execution-names.ts); attempts after the first get `-2`, `-3`. */
  readonly baseName: string;
  readonly input: Record<string, unknown>;
  readonly secretArn: string;
  /** Milliseconds left before the caller must return. */
  readonly timeLeftMs: () => number;
  readonly pollMs: number;
}

/** An execution of the workflow failed; `executionError` is its own error type (DescribeExecution's `error`). */
export class ExecutionFailedError extends RotatorError {
  static override readonly errorName = 'ExecutionFailedError';
  declare readonly secretArn: string;
  constructor(
    secretArn: string,
    readonly executionArn: string,
    readonly failedState: string | undefined,
    readonly executionError: string,
    detail: string,
  ) {
    super(
      `Secret ${secretArn}: execution ${executionArn.split(':').pop()} failed` +
        `${failedState === undefined ? '' : ` in state "${failedState}"`}: ${executionError}: ${detail} (execution ${executionArn})`,
      { secretArn },
    );
  }
}

/** The execution had not ended when the step had to return; a retry of the step attaches to it again. */
export class ExecutionStillRunningError extends RotatorError {
  static override readonly errorName = 'ExecutionStillRunningError';
  declare readonly secretArn: string;
  constructor(
    secretArn: string,
    readonly executionArn: string,
  ) {
    super(
      `Secret ${secretArn}: execution ${executionArn} is still running; this step will attach to it again when Secrets Manager retries`,
      { secretArn },
    );
  }
}

/** Execution names allow letters, digits, `-` and `_`, up to 80 characters. */
export function executionName(base: string, attempt: number): string {
  const suffix = attempt === 1 ? '' : `-${attempt}`;
  return base.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80 - suffix.length) + suffix;
}

export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * Runs the workflow for one rotation step and waits for its end. A retry of the step (same token) finds the same
 * execution by name and attaches to it, or, if that one ended in a failure worth another try, starts the next attempt.
 */
export async function runExecution(request: ExecutionRequest): Promise<Record<string, unknown>> {
  const input = JSON.stringify(request.input);
  for (let attempt = 1; ; attempt += 1) {
    const name = executionName(request.baseName, attempt);
    const { arn, started } = await startOrFind(request.stateMachineArn, name, input);
    // One just started is still running: the first look waits a poll interval.
    const ended = await waitForEnd(arn, request, { waitFirst: started });
    if (ended.status === 'SUCCEEDED') return JSON.parse(ended.output ?? '{}') as Record<string, unknown>;
    const error = ended.error ?? ended.status ?? 'Failed';
    if (!WORTH_ANOTHER_EXECUTION.has(error) || attempt >= MAX_EXECUTIONS_PER_STEP) {
      throw new ExecutionFailedError(request.secretArn, arn, await lastStateEntered(arn), error, causeText(ended.cause));
    }
  }
}

async function startOrFind(stateMachineArn: string, name: string, input: string): Promise<{ arn: string; started: boolean }> {
  try {
    const started = await stepFunctions().send(new StartExecutionCommand({ stateMachineArn, name, input }));
    return { arn: started.executionArn ?? executionArnFor(stateMachineArn, name), started: true };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return { arn: executionArnFor(stateMachineArn, name), started: false };
    throw error;
  }
}

/**
 * Polls the execution until it ends. The first look waits the poll interval (about what a rotation's execution
 * takes); later looks back off, up to 4 intervals apart, each with jitter, so that many rotations waiting at once do
 * not poll in step against the account's DescribeExecution quota.
 */
async function waitForEnd(executionArn: string, request: ExecutionRequest, options: { waitFirst: boolean }): Promise<DescribeExecutionCommandOutput> {
  if (options.waitFirst) await sleep(pollDelay(request.pollMs, 0));
  for (let look = 1; ; look += 1) {
    const described = await stepFunctions().send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING' && described.status !== 'PENDING_REDRIVE') return described;
    const delay = pollDelay(request.pollMs, look);
    if (request.timeLeftMs() < delay + 1_000) throw new ExecutionStillRunningError(request.secretArn, executionArn);
    await sleep(delay);
  }
}

/** The wait before look `n` (0 = the first): the interval growing by half each look up to 4×, jittered ±25%. */
export function pollDelay(pollMs: number, look: number, random: () => number = Math.random): number {
  const base = Math.min(pollMs * 4, pollMs * 1.5 ** look);
  return Math.round(base * (0.75 + random() * 0.5));
}


/** A Lambda failure's cause is the runtime's JSON; its `errorMessage` is the readable part. */
function causeText(cause: string | undefined): string {
  if (cause === undefined) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}
