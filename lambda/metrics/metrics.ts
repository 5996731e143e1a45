import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The CloudWatch namespace of every metric the rotator emits (EMF, through Powertools Metrics). */
export const METRICS_NAMESPACE = 'DevicePasswordRotator';

/** The rotator's own metrics; the construct's alarms (infra/monitoring/alarms.ts) watch each of them. */
export const METRIC = {
  /** An AWS call was throttled: absorbed by the SDK's retries, or still throttled after them (AwsThrottledError). */
  awsCallsThrottled: 'AwsCallsThrottled',
  /** Enrolled secrets whose AWSPENDING version has waited longer than the threshold (a stuck rotation). */
  rotationsPendingTooLong: 'RotationsPendingTooLong',
  /** Age of the oldest pending rotation, in seconds (0 when none). */
  oldestPendingRotationAge: 'OldestPendingRotationAge',
  /** Devices whose stored AWSCURRENT password no longer logs in (emitted by the heartbeat). */
  devicesDrifted: 'DevicesDrifted',
  /** Heartbeats that sent no login (the failed-login budget spent, or a rotation holding the lease). */
  heartbeatsSkipped: 'HeartbeatsSkipped',
} as const;

/**
 * The dimensions of every rotator metric: `service` (Powertools adds it, from `POWERTOOLS_SERVICE_NAME`, which the
 * construct sets on every function) and `Rotator`, which deployment emitted it (its rotation state machine's name, set
 * by the construct as `ROTATOR_NAME`), so that two rotators in one account do not share an alarm.
 */
export const ROTATOR_DIMENSION = 'Rotator';

let shared: Metrics | undefined;
let sharedFor: string | undefined;

/** The process's Metrics buffer, with the rotator's dimensions. */
export function rotatorMetrics(): Metrics {
  const rotator = process.env.ROTATOR_NAME ?? 'unnamed';
  if (shared === undefined || sharedFor !== rotator) {
    shared = new Metrics({ namespace: METRICS_NAMESPACE });
    shared.setDefaultDimensions({ [ROTATOR_DIMENSION]: rotator });
    sharedFor = rotator;
  }
  return shared;
}

/** Counts one metric now and writes it out at once (one EMF line): for code that is not at an invocation's end. */
export function countNow(name: string, value = 1): void {
  const metrics = rotatorMetrics();
  metrics.addMetric(name, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}

/** Writes out the metrics counted so far (one EMF line), if any: at the end of every invocation. */
export function flushMetrics(): void {
  const metrics = rotatorMetrics();
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
