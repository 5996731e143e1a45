import * as z from '../validation/zod';
import { requiredEnv } from '../aws/required-env';
import { type EnrollmentOutcome, type EnrollmentSettings, enrollSecret, reconcileAll } from '../enrollment/enroll';
import { logger, operationHandler } from './task-handler';

function settings(): EnrollmentSettings {
  return {
    tagKey: requiredEnv('ENROLLMENT_TAG_KEY'),
    rotationFunctionArn: requiredEnv('ROTATION_FUNCTION_ARN'),
    rotateEveryDays: Number(requiredEnv('ROTATE_EVERY_DAYS')),
    windowHours: Number(process.env.ROTATION_WINDOW_HOURS ?? '2'),
  };
}

const enrollInput = z.object({ operation: z.literal('enroll'), secretId: z.string().check(z.minLength(1)) });

function report(outcomes: readonly EnrollmentOutcome[]): { enrolled: number; unchanged: number; refused: number } {
  for (const outcome of outcomes) {
    if (outcome.outcome === 'refused') logger.error('secret not enrolled', { secretArn: outcome.secretArn, reason: outcome.reason });
    else if (outcome.outcome === 'enrolled') logger.info('secret enrolled', { secretArn: outcome.secretArn });
  }
  return {
    enrolled: outcomes.filter((o) => o.outcome === 'enrolled').length,
    unchanged: outcomes.filter((o) => o.outcome === 'unchanged').length,
    refused: outcomes.filter((o) => o.outcome === 'refused').length,
  };
}

/**
 * The enrollment function: `reconcile` (the daily schedule) enrolls every tagged secret; `enroll` one secret, as the
 * rule on Secrets Manager's CloudTrail events (CreateSecret, TagResource) passes it.
 */
export const handler = operationHandler({
  reconcile: async () => report(await reconcileAll(settings())),
  enroll: async (input) => {
    const { secretId } = z.parse(enrollInput, input);
    return report([await enrollSecret(secretId, settings())]);
  },
});
