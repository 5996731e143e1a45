import { countNow, METRIC } from '../metrics/metrics';

/**
 * One count, written out at once (a heartbeat is one per invocation), with the rotator's dimensions only, so that
 * the construct's alarm (infra/monitoring/alarms.ts) sees it: `DevicesDrifted` for a device that refused AWSCURRENT,
 * `HeartbeatsSkipped` for a heartbeat that sent nothing (budget spent, lease held). No secret, host or account is a
 * dimension; the drift notification names the device.
 */
export function countHeartbeat(metric: 'DevicesDrifted' | 'HeartbeatsSkipped'): void {
  countNow(metric === 'DevicesDrifted' ? METRIC.devicesDrifted : METRIC.heartbeatsSkipped);
}
