import { costOf, gbSeconds, LIST_PRICES_USD } from '../../../local/bench/pricing';
import { countRoundTrips, PROTOCOL_MINIMUM } from '../../../local/bench/protocol-minimum';
import { formatBenchReport, markdownTable } from '../../../local/bench/report';
import { BENCH_TARGETS, type BenchResults, main, README_END, README_START, withBenchSection } from '../../../local/bench/run';
import type { VendorBenchResult } from '../../../local/bench/rotation-bench';
import type { FleetResult } from '../../../local/bench/fleet';

describe('round trips against the protocol minimum', () => {
  const minimum = PROTOCOL_MINIMUM['oracle-unified-assurance'];

  test('exactly the minimum, logouts apart: nothing extra, nothing missing', () => {
    const count = countRoundTrips(['login', 'change-password', 'logout', 'login', 'logout'], minimum);
    expect(count).toMatchObject({ total: 5, minimum: 3, sessionCloses: 2, extra: {}, extraTotal: 0, missing: {} });
  });

  test('a second login to change (a separate probe) is extra; a missing verify is reported missing', () => {
    expect(countRoundTrips(['login', 'logout', 'login', 'change-password', 'login'], minimum)).toMatchObject({ extra: { login: 1 }, extraTotal: 1 });
    expect(countRoundTrips(['login', 'change-password'], minimum).missing).toEqual({ login: 1 });
  });
});

describe('cost at list prices', () => {
  test('transitions, Lambda requests and GB-seconds (duration rounded up to the millisecond) make the target scope', () => {
    const cost = costOf({
      stateTransitions: 20,
      invocations: [
        { durationMs: 99.2, memoryMb: 256, architecture: 'arm64' },
        { durationMs: 1000, memoryMb: 1024, architecture: 'x86_64' },
      ],
      secretsManagerCalls: 10,
      kmsCalls: 0,
    });
    expect(gbSeconds({ durationMs: 99.2, memoryMb: 256, architecture: 'arm64' })).toBeCloseTo(0.025, 10);
    expect(cost.stateTransitionsUsd).toBeCloseTo(0.0005, 12);
    expect(cost.lambdaRequestsUsd).toBeCloseTo(2 * 0.0000002, 12);
    expect(cost.lambdaDurationUsd).toBeCloseTo(0.025 * LIST_PRICES_USD.lambdaGbSecond.arm64 + 1 * LIST_PRICES_USD.lambdaGbSecond.x86_64, 12);
    expect(cost.apiCallsUsd).toBeCloseTo(10 * 0.000005, 12);
    expect(cost.totalUsd).toBeCloseTo(cost.targetScopeUsd + cost.apiCallsUsd, 12);
  });
});

function vendorResult(overrides: Partial<VendorBenchResult>): VendorBenchResult {
  const roundTrips = countRoundTrips(['login', 'change-password', 'logout', 'login', 'logout'], PROTOCOL_MINIMUM['oracle-unified-assurance']);
  return {
    subject: 'oracle-unified-assurance',
    vendor: 'oracle-unified-assurance',
    latencyMs: 20,
    runs: 3,
    roundTrips,
    requestSequence: ['login', 'change-password', 'logout', 'login', 'logout'],
    tlsConnections: 5,
    wallMs: { median: 110, min: 105, max: 120 },
    wallRatio: 1.1,
    stateTransitions: 20,
    executions: 2,
    lambdaInvocations: 8,
    lambdaInvocationsByFunction: { RotatorRotationFunction: 6, RotatorDeviceUa: 2 },
    apiCalls: { 'secretsmanager.GetSecretValue': 8 },
    cost: costOf({ stateTransitions: 20, invocations: [], secretsManagerCalls: 8, kmsCalls: 0 }),
    unstable: [],
    ...overrides,
  };
}

function results(result: VendorBenchResult): BenchResults {
  return {
    date: '2026-11-23T00:00:00.000Z',
    machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 24, node: 'v20.0.0', platform: 'linux x64' },
    pricesAsOf: '2026-11-23',
    targets: BENCH_TARGETS,
    rotation: { latencyMs: 20, runs: 3, results: [result], fixedOverheadMs: { [result.subject]: 10 }, perRequestRatio: { [result.subject]: 1 } },
  };
}

describe('the report', () => {
  test('names the machine and marks each target met (✓) or missed (✗)', () => {
    const met = formatBenchReport(results(vendorResult({})));
    expect(met).toContain('Test CPU (2 cores, 24 GiB), Node v20.0.0');
    expect(met).toMatch(/\| oracle-unified-assurance \| 5: login, change-password, logout, login, logout \| 3 \| 2 \| 5 \| ✓ none \| 110 \| ✓ 1\.10 \|/);

    const missed = formatBenchReport(results(vendorResult({ wallRatio: 2.5, roundTrips: { ...vendorResult({}).roundTrips, extra: { login: 1 }, extraTotal: 1 } })));
    expect(missed).toContain('✗ +1 login');
    expect(missed).toContain('✗ 2.50');
  });

  test('a Markdown table has a header, a rule and one line per row', () => {
    expect(markdownTable(['a', 'b'], [['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |');
  });

  test('README: only what is between the bench markers is replaced', () => {
    const readme = `# Title\n\n${README_START}\nold numbers\n${README_END}\n\nAfter.\n`;
    expect(withBenchSection(readme, 'new numbers')).toBe(`# Title\n\n${README_START}\nnew numbers\n${README_END}\n\nAfter.\n`);
    expect(() => withBenchSection('# no markers', 'x')).toThrow(/bench:start/);
  });

  test('a bad command line exits 2 with the usage, before measuring anything', async () => {
    const printed: string[] = [];
    expect(await main(['--only', 'speed'], (text) => printed.push(text))).toBe(2);
    expect(await main(['--latency', 'fast'], (text) => printed.push(text))).toBe(2);
    expect(await main(['--quota-scale=-1'], (text) => printed.push(text))).toBe(2);
    expect(await main(['--retain-histories', '1.5'], (text) => printed.push(text))).toBe(2);
    expect(printed.join('\n')).toMatch(
      /unknown part\(s\) speed[\s\S]*--latency must be an integer[\s\S]*--quota-scale must be a number ≥ 0[\s\S]*--retain-histories must be an integer[\s\S]*Usage: npm run bench/,
    );
  });

  test('the fleet: what it ran under, its pace per 4-hour window, and the ceiling named by the quota that binds first', () => {
    const fleet: FleetResult = {
      devices: 100,
      concurrency: 8,
      latencyMs: 20,
      byVendor: { 'wso2-emm': 100 },
      setupSeconds: 1,
      rotationSeconds: 40,
      devicesPerSecond: 2.5,
      rotationMs: { median: 3000, p95: 4000, max: 5000 },
      memory: { rssBeforeMiB: 500, rssAfterSetupMiB: 520, peakRssMiB: 700, peakHeapUsedMiB: 300 },
      onNewPassword: 100,
      stuck: 0,
      throttledCalls: 7,
      failures: [],
      conditions: { quotas: true, quotaScale: 1, listingLagMs: 1000, pollMs: 2000, retainEndedHistories: 50, rotationReattempts: 2 },
      droppedHistories: 150,
      listeners: 1,
      apiCallsPerRotation: { 'AWSStepFunctions.DescribeExecution': 3, 'AWSStepFunctions.StartExecution': 2, 'secretsmanager.PutSecretValue': 1 },
      lambdaInvocationsPerRotation: 9,
    };
    const { rotation: _rotation, ...rest } = results(vendorResult({}));
    const text = formatBenchReport({ ...rest, fleet });
    expect(text).toContain('Under quotas on at the published rates, listings and DescribeExecution lagging 1000 ms, the rotation function polling every 2000 ms');
    expect(text).toContain('execution histories kept: the last 50 (150 dropped). Pace: 2.5 rotations/s, 36,000 per 4-hour window.');
    // 15/s × 14,400 s ÷ 3 calls = 72,000; the writes: 50/s × 14,400 ÷ 1 = 720,000.
    expect(text).toContain('72,000 secrets, bound first by AWSStepFunctions.DescribeExecution (15/s, 3.0 per rotation)');
    expect(text).toMatch(/\| 2\.5 \| 3000 \/ 4000 \/ 5000 \| 700 MiB \(520 after setup\) \| 300 MiB \| ✓ 100\/100 \| 0 \| 0 \| 7 \|/);
  });
});
