import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { RotatorError, TaskFailedError } from '../errors';
import { AwsThrottledError, isThrottling, serviceOf } from '../aws/throttling';
import { InvalidInputError } from '../rotation/errors';
import { flushMetrics } from '../metrics/metrics';

/** One operation of a function: validates its own input, returns references only. */
export type Operation = (input: unknown, context: Context) => Promise<object>;

export const logger = new Logger();

/** What of a result is worth a log line: never sealed values. */
function summary(result: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(result).filter(([key]) => key !== 'session' && key !== 'conversation'));
}

/**
 * Makes a failure name the secret and the task, keeping the error's type (`name`), which is what a Step Functions
 * Retry or Catch matches. A RotatorError that knows its secret already names it: it is returned as is, with the task
 * as its `step` when it has none. Any other failure (device errors name the device and the device step, not the
 * secret) becomes a `TaskFailedError` of the same `name` whose message starts with the secret and the task.
 */
export function explain(error: unknown, secretArn: string | undefined, operation: string): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  // One name for every throttled AWS call, whatever its service calls it: the workflow retries it later.
  if (isThrottling(original)) return new AwsThrottledError(serviceOf(original), original.name, { secretArn, step: operation });
  if (original instanceof RotatorError && original.secretArn !== undefined) return original.atStep(operation);
  return new TaskFailedError(original, secretArn, operation);
}

/**
 * A Lambda handler that dispatches on the event's `operation` (or, for Secrets Manager's events, `Step`). Logs one line per call, with references only;
 * a failure is logged with its type and message (which carry no secret) and rethrown, explained.
 */
export function operationHandler(operations: Readonly<Record<string, Operation>>) {
  const run = async (event: unknown, context: Context): Promise<object> => {
    const fields = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
    // Secrets Manager's rotation events name the operation `Step` and the secret `SecretId`.
    const operation = [fields.operation, fields.Step].find((value): value is string => typeof value === 'string') ?? '';
    const secretArn = [fields.secretArn, fields.SecretId].find((value): value is string => typeof value === 'string');
    logger.appendKeys({ operation, secretArn });
    try {
      const handle = operations[operation];
      if (handle === undefined) {
        throw new InvalidInputError('task input', [`"operation" must be one of ${Object.keys(operations).join(', ')}`]);
      }
      const result = await handle(event, context);
      logger.info('task done', { result: summary(result) });
      return result;
    } catch (error) {
      const explained = explain(error, secretArn, operation || '(none)');
      logger.error('task failed', { error: { name: explained.name, message: explained.message } });
      throw explained;
    } finally {
      flushMetrics();
      logger.removeKeys(['operation', 'secretArn']);
    }
  };
  return middy(run).use(injectLambdaContext(logger, { clearState: true }));
}
