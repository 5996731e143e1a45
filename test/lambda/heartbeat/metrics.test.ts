import { countHeartbeat } from '../../../lambda/heartbeat/metrics';
import { rotatorMetrics } from '../../../lambda/metrics/metrics';

/**
 * The heartbeat's counts carry exactly the dimensions the construct's alarm reads (test/infra/monitoring.test.ts:
 * `service` and `Rotator`): a CloudWatch metric is named by all its dimensions, so one more (a vendor, say) would
 * leave the `rotator-devices-drifted` alarm watching a metric nobody writes.
 */
function emitted(metric: 'DevicesDrifted' | 'HeartbeatsSkipped'): Record<string, unknown> {
  const metrics = rotatorMetrics();
  let line: Record<string, unknown> | undefined;
  const publish = jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => {
    line = metrics.serializeMetrics() as unknown as Record<string, unknown>;
    metrics.clearMetrics();
    return metrics;
  });
  try {
    countHeartbeat(metric);
  } finally {
    publish.mockRestore();
  }
  if (line === undefined) throw new Error('nothing was published');
  return line;
}

beforeAll(() => {
  process.env.ROTATOR_NAME = 'DevicePasswordRotator';
  process.env.POWERTOOLS_SERVICE_NAME = 'device-password-rotator';
});

test.each(['DevicesDrifted', 'HeartbeatsSkipped'] as const)('%s is written at once with the dimensions service and Rotator only', (metric) => {
  const line = emitted(metric);
  const directive = (line._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0];
  expect(directive.Namespace).toBe('DevicePasswordRotator');
  expect(directive.Metrics.map((m) => m.Name)).toEqual([metric]);
  expect([...directive.Dimensions[0]].sort()).toEqual(['Rotator', 'service']);
  expect(line).toMatchObject({ Rotator: 'DevicePasswordRotator', service: 'device-password-rotator', [metric]: 1 });
});
