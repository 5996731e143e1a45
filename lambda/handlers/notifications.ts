import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { requiredEnv } from '../aws/required-env';
import { notify } from '../notifications/notify';

const logger = new Logger();

/**
 * The notifier: EventBridge sends it every failed, timed-out or aborted execution of the rotator's state machines
 * and every Secrets Manager RotationFailed / RotationAbandoned of its secrets; it publishes one message per event to
 * the topic. It logs the subject only (which names the secret and the error, never a password).
 */
export const handler = middy(async (event: unknown): Promise<{ subject?: string }> => {
  const notification = await notify(event, {
    topicArn: requiredEnv('TOPIC_ARN'),
    rotationStateMachineArn: requiredEnv('ROTATION_STATE_MACHINE_ARN'),
    secretArns: JSON.parse(process.env.SECRET_ARNS ?? '[]') as string[],
    tagKey: process.env.ENROLLMENT_TAG_KEY || undefined,
  });
  if (notification === undefined) {
    logger.info('not a secret of this rotator: nothing published');
    return {};
  }
  logger.info('notification published', { subject: notification.subject });
  return { subject: notification.subject };
}).use(injectLambdaContext(logger, { clearState: true }));
