import * as z from '../validation/zod';
import { requiredEnv } from '../aws/required-env';
import { type DispatchSettings, dispatchHeartbeats } from '../heartbeat/dispatch';
import { parseInput } from '../rotation/task-input';
import { operationHandler } from './task-handler';

function settings(): DispatchSettings {
  const explicit = JSON.parse(process.env.HEARTBEAT_SECRETS || '[]') as unknown;
  return {
    consoleStateMachineArn: requiredEnv('CONSOLE_STATE_MACHINE_ARN'),
    everyDays: Number(requiredEnv('HEARTBEAT_EVERY_DAYS')),
    explicitSecrets: Array.isArray(explicit) ? explicit.filter((arn): arn is string => typeof arn === 'string') : [],
    tagKey: process.env.ENROLLMENT_TAG_KEY || undefined,
    rotationFunctionArn: process.env.ROTATION_FUNCTION_ARN || undefined,
  };
}

/** The schedule's event time (EventBridge `time`): a retried dispatch picks the same hour's secrets. */
const dispatchInput = z.object({ operation: z.literal('dispatch'), time: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T/))) });

/** The heartbeat dispatcher: hourly, starts the heartbeat (a console `heartbeat` execution) of each secret due this hour. */
export const handler = operationHandler({
  dispatch: async (input) => {
    const { time } = parseInput(dispatchInput, input, 'dispatch input');
    return dispatchHeartbeats(settings(), time === undefined ? new Date() : new Date(time));
  },
});
