import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { synthesizeRotatorTemplate } from '../../../local/engine/local-engine';
import { runFleet } from '../../../local/bench/fleet';
import { type BenchSubject, PROTOCOL_MINIMUM } from '../../../local/bench/protocol-minimum';
import { benchVendor, functionSettings, stateTransitionsOf } from '../../../local/bench/rotation-bench';
import { useLocalEngine } from '../../helpers/engine-harness';

const template = synthesizeRotatorTemplate();
const harness = useLocalEngine({ template });

/** Every password the benchmark devices were given or rotated to, for the harness's leak scan. */
async function rememberStoredPasswords(): Promise<void> {
  for (const arn of harness.engine.secrets.secretArns()) harness.secretsSeen.push(...harness.engine.stored(arn).all);
}

/** Sessions the device keeps and the rotator closes: one per login on vendors with a logout. */
const LOGOUTS: Record<BenchSubject, number> = {
  'multitech-mpower': 2,
  'wso2-emm': 0,
  'wso2-emm (dynamic registration)': 0,
  // The change ends the session on the device (stay_logged_in: 0): only the verify's session is closed.
  'oracle-sdwan-edge': 1,
  'oracle-unified-assurance': 2,
};

describe('rotation benchmark: device round trips on the happy path', () => {
  test.each(Object.keys(PROTOCOL_MINIMUM) as BenchSubject[])(
    '%s: a scheduled rotation makes exactly the protocol minimum of device requests, plus its logouts',
    async (subject) => {
      const result = await benchVendor(harness.engine, subject, { latencyMs: 0, runs: 2, template });
      await rememberStoredPasswords();
      expect(result.roundTrips.extra).toEqual({});
      expect(result.roundTrips.missing).toEqual({});
      expect(result.roundTrips.sessionCloses).toBe(LOGOUTS[subject]);
      expect(result.roundTrips.total).toBe(result.roundTrips.minimum + LOGOUTS[subject]);
      expect(result.unstable).toEqual([]);
      // A set and a test execution; every Lambda invocation billed at the memory the stack gives it.
      expect(result.executions).toBe(2);
      expect(result.cost.stateTransitionsUsd).toBeCloseTo(result.stateTransitions * 0.000025, 12);
    },
    30_000,
  );
});

describe('rotation benchmark: counting', () => {
  test('state transitions are the states entered plus the retries of a task', () => {
    const history: HistoryEvent[] = [
      { type: 'ExecutionStarted' },
      { type: 'ChoiceStateEntered' },
      { type: 'TaskStateEntered' },
      { type: 'LambdaFunctionScheduled' },
      { type: 'LambdaFunctionFailed' },
      { type: 'LambdaFunctionScheduled' },
      { type: 'LambdaFunctionSucceeded' },
      { type: 'TaskStateExited' },
      { type: 'PassStateEntered' },
      { type: 'ExecutionSucceeded' },
    ] as HistoryEvent[];
    expect(stateTransitionsOf(history)).toBe(4);
  });

  test('function settings come from the synthesized template: 256 MB, arm64', () => {
    const settings = [...functionSettings(template).values()];
    expect(settings.length).toBeGreaterThanOrEqual(5);
    for (const setting of settings) expect(setting).toEqual({ memoryMb: 256, architecture: 'arm64' });
  });
});

describe('fleet benchmark', () => {
  test('a small mixed fleet rotated concurrently: every device ends on its new password', async () => {
    const result = await runFleet(harness.engine, { devices: 8, concurrency: 4, latencyMs: 0 });
    await rememberStoredPasswords();
    expect(result.failures).toEqual([]);
    expect(result.onNewPassword).toBe(8);
    expect(Object.values(result.byVendor)).toEqual([2, 2, 2, 2]);
    expect(result.memory.peakRssMiB).toBeGreaterThan(0);
  }, 60_000);
});
