import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { AwsThrottledError } from '../../lambda/aws/throttling';
import { DeviceUnreachableError, SessionExpiredError } from '../../lambda/device/errors';
import { ChangeOutcomeUnknownError, DeviceOutOfSyncRecoverableError } from '../../lambda/rotation/errors';

/** Error names come from the code that throws them (`RotatorError.errorName`). Requests that were never sent: retried with backoff, at no cost on the device. */
export const TRANSPORT_ERRORS = [DeviceUnreachableError.errorName];
/** An AWS API call throttled beyond its retries (`AwsThrottledError`). */
export const THROTTLED_ERRORS = [AwsThrottledError.errorName];
/** An answer lost or a session that died: find out which password works, then go on. */
export const UNCERTAIN_ERRORS = [ChangeOutcomeUnknownError.errorName, SessionExpiredError.errorName];
/** No stored version logs in, but the secret names a privileged account that can reset it. */
export const OUT_OF_SYNC_RECOVERABLE_ERRORS = [DeviceOutOfSyncRecoverableError.errorName];

/** Every task payload carries the execution: the ledger charges logins and leases accounts to it. */
const EXECUTION = { 'execution.$': '$$.Execution.Id' };
const SECRET = { 'secretArn.$': '$.secretArn' };
const TOKEN = { 'token.$': '$.token' };

export interface TaskFactorySettings {
  /** Timeout of each function's tasks (longer than the function's own). */
  readonly timeoutOf: (fn: IFunction) => Duration;
  readonly transportRetries: number;
}

/** Makes the workflow's Lambda tasks: one payload shape, a timeout longer than the function's, the transport retry. */
export class TaskFactory {
  constructor(
    readonly scope: Construct,
    private readonly settings: TaskFactorySettings,
  ) {}

  /**
   * A task invoking `fn` with `operation`, the secret ARN, the execution, the token when `withToken`, and `fields`.
   * Only references travel: never a password.
   */
  invoke(id: string, fn: IFunction, operation: string, fields: Record<string, unknown> & { withToken?: boolean } = {}, extra: Partial<tasks.LambdaInvokeProps> = {}) {
    const { withToken, ...rest } = fields;
    const task = new tasks.LambdaInvoke(this.scope, id, {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject({ operation, ...SECRET, ...(withToken === true ? TOKEN : {}), ...rest, ...EXECUTION }),
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(this.settings.timeoutOf(fn)),
      ...extra,
    });
    // A throttled AWS call (beyond the SDK's own retries) costs nothing on the device: the task runs again later.
    task.addRetry({ errors: THROTTLED_ERRORS, interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.minutes(2), jitterStrategy: sfn.JitterType.FULL });
    return task;
  }

  /** Retries a task on transport failures only (the request was never sent). */
  retryTransport(task: tasks.LambdaInvoke): tasks.LambdaInvoke {
    task.addRetry({ errors: TRANSPORT_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: this.settings.transportRetries });
    return task;
  }
}
