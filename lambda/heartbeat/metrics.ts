import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The namespace of the rotator's own metrics (CloudWatch embedded metric format, written to the function's log). */
export const METRICS_NAMESPACE = 'DevicePasswordRotator';

let metrics: Metrics | undefined;

function instance(): Metrics {
  metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'device-password-rotator' });
  return metrics;
}

/**
 * One count, published at once (a heartbeat is one per invocation): `DevicesDrifted` for a device that refused
 * AWSCURRENT, `HeartbeatsSkipped` for a heartbeat that sent nothing because the failed-login budget was spent. The
 * dimension `Vendor` tells the fleets apart; no secret, host or account is a dimension.
 */
export function countHeartbeat(metric: 'DevicesDrifted' | 'HeartbeatsSkipped', vendor: string): void {
  const m = instance();
  m.addDimension('Vendor', vendor);
  m.addMetric(metric, MetricUnit.Count, 1);
  m.publishStoredMetrics();
}
