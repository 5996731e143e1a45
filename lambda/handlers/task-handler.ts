import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../rotation/errors';

/** One operation of a function: validates its own input, returns references only. */
export type Operation = (input: unknown, context: Context) => Promise<object>;

export const logger = new Logger();

/** What of a result is worth a log line: never sealed values. */
function summary(result: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(result).filter(([key]) => key !== 'session' && key !== 'conversation'));
}

/**
 * Makes the message of a failure name the secret and the task, keeping the error's type (`name`), which is what a
 * Step Functions Retry or Catch matches. Device errors already name the device and the device step.
 */
export function explain(error: unknown, secretArn: string | undefined, operation: string): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  if (original.message.startsWith('Secret ') || original.message.startsWith('Device secret ')) return original;
  const explained = new Error(`Secret ${secretArn ?? '(none given)'}, task "${operation}": ${original.message}`);
  explained.name = original.name;
  explained.stack = `${explained.name}: ${explained.message}\n${(original.stack ?? '').split('\n').slice(1).join('\n')}`;
  return explained;
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
      logger.removeKeys(['operation', 'secretArn']);
    }
  };
  return middy(run).use(injectLambdaContext(logger, { clearState: true }));
}
