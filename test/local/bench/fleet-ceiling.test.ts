import { fleetCeilings } from '../../../local/bench/fleet-ceiling';

test('the fleet each quota supports per window, the binding one first', () => {
  const ceilings = fleetCeilings(
    { 'AWSStepFunctions.DescribeExecution': 6, 'AWSStepFunctions.StartExecution': 2, 'secretsmanager.PutSecretValue': 1, 'secretsmanager.UpdateSecretVersionStage': 1, 'secretsmanager.GetSecretValue': 12 },
    4,
  );
  // DescribeExecution: 15/s × 14,400 s ÷ 6 = 36,000; writes: 50/s × 14,400 ÷ 2 = 360,000.
  expect(ceilings[0]).toEqual({ rotationsPerWindow: 36_000, quota: 'AWSStepFunctions.DescribeExecution', rate: 15, callsPerRotation: 6 });
  expect(ceilings.find((c) => c.quota.startsWith('secretsmanager.PutSecretValue'))?.rotationsPerWindow).toBe(360_000);
  expect(ceilings.map((c) => c.rotationsPerWindow)).toEqual([...ceilings.map((c) => c.rotationsPerWindow)].sort((a, b) => a - b));
  expect(fleetCeilings({}, 4)).toEqual([]);
});
