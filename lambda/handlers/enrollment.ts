import * as z from '../validation/zod';
import { requiredEnv } from '../aws/required-env';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws/s3-client';
import { type EnrollmentOutcome, type EnrollmentSettings, enrollSecret, type ListedSecret, reconcileAll } from '../enrollment/enroll';
import { parseInput } from '../rotation/task-input';
import { logger, operationHandler } from './task-handler';

function settings(): EnrollmentSettings {
  return {
    tagKey: requiredEnv('ENROLLMENT_TAG_KEY'),
    rotationFunctionArn: requiredEnv('ROTATION_FUNCTION_ARN'),
    rotateEveryDays: Number(requiredEnv('ROTATE_EVERY_DAYS')),
    windowHours: Number(process.env.ROTATION_WINDOW_HOURS ?? '2'),
  };
}

/** The secrets the deployment lists (an S3 object the construct writes, when there are more than it names itself). */
async function listedSecrets(): Promise<ListedSecret[]> {
  const bucket = process.env.LISTED_SECRETS_BUCKET;
  const key = process.env.LISTED_SECRETS_KEY;
  if (!bucket || !key) return [];
  const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await object.Body?.transformToString()) ?? '[]') as ListedSecret[];
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
  reconcile: async () => report(await reconcileAll(settings(), await listedSecrets())),
  enroll: async (input) => {
    const { secretId } = parseInput(enrollInput, input, 'enroll input');
    return report([await enrollSecret(secretId, settings())]);
  },
});
