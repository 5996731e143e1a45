import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { requiredEnv } from '../aws/required-env';
import { flushMetrics, METRIC, rotatorMetrics } from '../metrics/metrics';
import { scanPendingRotations } from '../notifications/pending-rotations';

const logger = new Logger();

/**
 * The pending-rotation scanner (on a schedule): emits `RotationsPendingTooLong` (how many enrolled secrets have had
 * an AWSPENDING version apart from AWSCURRENT for longer than the threshold) and `OldestPendingRotationAge`
 * (seconds); the construct alarms when the first is above 0. It reads version stages and dates only, never a value.
 */
export const handler = middy(async (): Promise<{ scanned: number; pending: number; stuck: number }> => {
  const scan = await scanPendingRotations({
    tagKey: process.env.ENROLLMENT_TAG_KEY || undefined,
    secretArns: JSON.parse(process.env.SECRET_ARNS ?? '[]') as string[],
    thresholdMs: Number(requiredEnv('PENDING_THRESHOLD_SECONDS')) * 1000,
  });
  for (const rotation of scan.stuck) {
    logger.warn('rotation pending too long', { secretArn: rotation.secretArn, token: rotation.token, ageSeconds: rotation.ageMs === undefined ? 'unknown' : Math.round(rotation.ageMs / 1000) });
  }
  const metrics = rotatorMetrics();
  metrics.addMetric(METRIC.rotationsPendingTooLong, MetricUnit.Count, scan.stuck.length);
  metrics.addMetric(METRIC.oldestPendingRotationAge, MetricUnit.Seconds, Math.round(scan.oldestAgeMs / 1000));
  flushMetrics();
  return { scanned: scan.scanned, pending: scan.pending.length, stuck: scan.stuck.length };
}).use(injectLambdaContext(logger, { clearState: true }));
