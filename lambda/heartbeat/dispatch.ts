import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { stepFunctions } from '../aws/step-functions-client';
import { AwsThrottledError, isThrottling } from '../aws/throttling';
import { taggedSecrets } from '../enrollment/enroll';
import { isConfigured } from '../rotation/device-tasks';
import { heartbeatDue, heartbeatExecutionName } from './slots';

/** What the dispatcher reads from its environment (set by the construct). */
export interface DispatchSettings {
  /** The console state machine, whose `heartbeat` action checks one secret. */
  readonly consoleStateMachineArn: string;
  readonly everyDays: number;
  /** The secrets the stack names itself (ARNs or partial ARNs). */
  readonly explicitSecrets: readonly string[];
  /** With enrollment by tag (or a long list, which enrollment tags): the tag that enrolls a secret. */
  readonly tagKey?: string;
  /** A tagged secret is enrolled when its rotation is on with this function. */
  readonly rotationFunctionArn?: string;
  /** StartExecution calls in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Waits before starting again the executions still throttled (StartExecution's quota), in ms. @default [1000, 4000, 16000] */
  readonly throttledBackoffMs?: readonly number[];
}

export interface DispatchReport {
  /** Enrolled secrets seen. */
  readonly enrolled: number;
  /** Those whose slot is this hour. */
  readonly due: number;
  readonly started: number;
  /** Already started by an earlier dispatch of the same day (ExecutionAlreadyExists): nothing to do. */
  readonly alreadyStarted: number;
}

/** Every enrolled secret: the ones the stack names, then the tagged ones whose rotation this rotator runs. */
async function* enrolledSecrets(settings: DispatchSettings): AsyncGenerator<string> {
  yield* settings.explicitSecrets;
  if (settings.tagKey === undefined) return;
  for await (const secret of taggedSecrets(settings.tagKey)) {
    if (secret.ARN === undefined || secret.RotationEnabled !== true || isConfigured(secret.ARN, settings.explicitSecrets)) continue;
    if (settings.rotationFunctionArn !== undefined && secret.RotationLambdaARN !== settings.rotationFunctionArn) continue;
    yield secret.ARN;
  }
}

type StartOutcome = 'started' | 'already-started' | 'throttled';

async function startHeartbeat(settings: DispatchSettings, secretArn: string, at: Date): Promise<StartOutcome> {
  try {
    await stepFunctions().send(
      new StartExecutionCommand({
        stateMachineArn: settings.consoleStateMachineArn,
        name: heartbeatExecutionName(secretArn, at),
        // The same input every time: a start repeated while the execution runs returns it instead of failing.
        input: JSON.stringify({ action: 'heartbeat', secretArn }),
      }),
    );
    return 'started';
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return 'already-started';
    if (isThrottling(error)) return 'throttled';
    throw error;
  }
}

/** Runs `work` on every item with at most `concurrency` at once. */
async function eachBounded<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * The hourly dispatch: starts the heartbeat of every enrolled secret whose slot is the hour `at` falls in (`at` is the
 * schedule's event time, so a retried dispatch picks the same secrets), one console execution each, named per secret
 * and day. Starts still throttled beyond the SDK's retries are tried again after a backoff; still throttled then, the
 * dispatch fails with `AwsThrottledError` once every other start is done, and its retry starts only the missing ones.
 */
export async function dispatchHeartbeats(settings: DispatchSettings, at: Date): Promise<DispatchReport> {
  let enrolled = 0;
  let due: string[] = [];
  for await (const secretArn of enrolledSecrets(settings)) {
    enrolled += 1;
    if (heartbeatDue(secretArn, at, settings.everyDays)) due.push(secretArn);
  }
  due = [...new Set(due)];
  let started = 0;
  let alreadyStarted = 0;
  let pending = due;
  for (const wait of [0, ...(settings.throttledBackoffMs ?? [1000, 4000, 16000])]) {
    if (pending.length === 0) break;
    if (wait > 0) await sleep(wait);
    const throttled: string[] = [];
    await eachBounded(pending, settings.concurrency ?? 8, async (secretArn) => {
      const outcome = await startHeartbeat(settings, secretArn, at);
      if (outcome === 'started') started += 1;
      else if (outcome === 'already-started') alreadyStarted += 1;
      else throttled.push(secretArn);
    });
    pending = throttled;
  }
  if (pending.length > 0) throw new AwsThrottledError('Step Functions', `StartExecution (${pending.length} heartbeat(s) not started)`);
  return { enrolled, due: due.length, started, alreadyStarted };
}
