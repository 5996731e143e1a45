import type { BenchResults } from './run';
import { fleetCeilings } from './fleet-ceiling';
import { callsTo } from './stats';

/** A Markdown table: readable as text, rendered in README. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');
const usd = (value: number) => `$${value.toFixed(6)}`;
const ms = (value: number) => value.toFixed(0);

function rotationSection(results: BenchResults): string[] {
  const part = results.rotation;
  if (part === undefined) return [];
  const { targets } = results;
  const latency = part.latencyMs;
  const requestRows = part.results.map((r) => {
    const extra = Object.entries(r.roundTrips.extra).map(([op, n]) => `+${n} ${op}`);
    const missing = Object.entries(r.roundTrips.missing).map(([op, n]) => `−${n} ${op}`);
    const met = r.roundTrips.extraTotal <= targets.extraRoundTrips && missing.length === 0;
    return [
      r.subject,
      `${r.roundTrips.total}: ${r.requestSequence.join(', ')}`,
      `${r.roundTrips.minimum}`,
      `${r.roundTrips.sessionCloses}`,
      `${r.tlsConnections}`,
      `${mark(met)} ${[...extra, ...missing].join(', ') || 'none'}`,
      ms(r.wallMs.median),
      `${mark(r.wallRatio <= targets.maxWallRatio)} ${r.wallRatio.toFixed(2)}`,
      ms(r.wallMs.median - r.roundTrips.total * latency),
      ms(part.fixedOverheadMs[r.subject] ?? Number.NaN),
      (part.perRequestRatio[r.subject] ?? Number.NaN).toFixed(2),
    ];
  });
  const costRows = part.results.map((r) => [
    r.subject,
    `${r.executions}`,
    `${r.stateTransitions}`,
    Object.entries(r.lambdaInvocationsByFunction).map(([fn, n]) => `${n} ${fn.startsWith('RotatorRotation') ? 'rotation' : 'device'}`).join(' + '),
    `${callsTo(r.apiCalls, 'secretsmanager.')} / ${callsTo(r.apiCalls, 'TrentService.')} / ${callsTo(r.apiCalls, 'AWSStepFunctions.')}`,
    `${mark(r.cost.targetScopeUsd < targets.maxCostUsd)} ${usd(r.cost.targetScopeUsd)}`,
    `${usd(r.cost.stateTransitionsUsd)} + ${usd(r.cost.lambdaRequestsUsd)} + ${usd(r.cost.lambdaDurationUsd)}`,
    usd(r.cost.totalUsd),
  ]);
  const unstable = part.results.filter((r) => r.unstable.length > 0).map((r) => `${r.subject}: ${r.unstable.join(', ')} varied between runs`);
  return [
    `**Rotation, happy path**: a scheduled rotation (Secrets Manager's four steps; a \`set\` and a \`test\` execution), the device answering every request ${latency} ms late; median of ${part.runs} rotations after one warm-up.`,
    '',
    markdownTable(
      [
        'vendor',
        'device requests',
        'protocol minimum',
        'logouts',
        'TLS connections',
        'extra',
        'wall ms',
        `wall / (requests × ${latency} ms)`,
        'ms not waiting for the device',
        'wall ms with no latency',
        'each request, in latencies',
      ],
      requestRows,
    ),
    '',
    markdownTable(
      [
        'vendor',
        'executions',
        'state transitions',
        'Lambda invocations',
        'API calls: Secrets Manager / KMS / Step Functions',
        'cost: transitions + Lambda',
        'of which transitions + requests + GB-s',
        'cost with API calls',
      ],
      costRows,
    ),
    ...(unstable.length > 0 ? ['', ...unstable] : []),
  ];
}

function coldStartSection(results: BenchResults): string[] {
  const measured = results.coldStart;
  if (measured === undefined) return [];
  const { targets } = results;
  const rows = measured.map((m) => [
    m.name,
    `${mark(m.bundleBytes < targets.maxBundleBytes)} ${(m.bundleBytes / 1024).toFixed(1)} KB`,
    `${ms(m.bundleLoad.medianMs)} (min ${ms(m.bundleLoad.minMs)})`,
    `${ms(m.sdkOnlyLoad.medianMs)} (min ${ms(m.sdkOnlyLoad.minMs)})`,
    `${mark(m.ownCodeMs < targets.maxOwnCodeMs)} ${m.ownCodeMs.toFixed(1)}`,
    m.sdkExternals.map((name) => name.replace('@aws-sdk/', '')).join(', '),
    m.topInputs
      .slice(0, 3)
      .map((input) => `${input.input} ${(input.bytes / 1024).toFixed(1)} KB`)
      .join(', '),
  ]);
  return [
    `**Cold start** — each Lambda as CDK bundles it (esbuild, minified, AWS SDK external), loaded in a fresh Node process; medians of ${measured[0]?.bundleLoad.samplesMs.length ?? 0} loads.`,
    '',
    markdownTable(['function', 'bundle (minified)', 'load ms', 'SDK clients alone, ms', 'own code ms', 'SDK clients', 'largest inputs'], rows),
  ];
}

function fleetSection(results: BenchResults): string[] {
  const fleet = results.fleet;
  if (fleet === undefined) return [];
  const perRotation = Object.entries(fleet.apiCallsPerRotation)
    .filter(([name]) => name.startsWith('AWSStepFunctions.'))
    .map(([name, n]) => `${name.replace('AWSStepFunctions.', '')} ${n.toFixed(1)}`)
    .join(', ');
  return [
    `**Fleet** — ${fleet.devices} simulated devices (${Object.entries(fleet.byVendor).map(([v, n]) => `${n} ${v}`).join(', ')}), one secret each, rotated through the local engine, ${fleet.concurrency} at a time, device latency ${fleet.latencyMs} ms. Everything (engine, stand-ins, handlers, devices) runs in one Node process.`,
    ...(fleet.conditions === undefined ? [] : ['', conditionsLine(fleet)]),
    '',
    markdownTable(
      ['devices/s', 'rotation ms (median / p95 / max)', 'peak RSS', 'peak heap', 'on the new password', 'failures', 'stuck', 'throttled calls absorbed', 'Step Functions API calls per rotation'],
      [
        [
          fleet.devicesPerSecond.toFixed(1),
          `${ms(fleet.rotationMs.median)} / ${ms(fleet.rotationMs.p95)} / ${ms(fleet.rotationMs.max)}`,
          `${fleet.memory.peakRssMiB.toFixed(0)} MiB (${fleet.memory.rssAfterSetupMiB.toFixed(0)} after setup)`,
          `${fleet.memory.peakHeapUsedMiB.toFixed(0)} MiB`,
          `${mark(fleet.onNewPassword === fleet.devices)} ${fleet.onNewPassword}/${fleet.devices}`,
          `${fleet.failures.length}`,
          `${fleet.stuck ?? 0}`,
          `${fleet.throttledCalls ?? 0}`,
          perRotation,
        ],
      ],
    ),
    ...fleet.failures.slice(0, 5).map((failure) => `- ${failure.secret}: ${failure.problem}`),
    '',
    ceilingLine(fleet.apiCallsPerRotation),
  ];
}

/** What the fleet ran under, and its pace as rotations per 4-hour window. */
function conditionsLine(fleet: NonNullable<BenchResults['fleet']>): string {
  const c = fleet.conditions;
  const perWindow = Math.floor(fleet.devicesPerSecond * 4 * 3600);
  const quotas = c.quotas ? `quotas on at ${c.quotaScale === 1 ? 'the published rates' : `${c.quotaScale} × the published rates`}` : 'no quotas';
  return (
    `Under ${quotas}, listings and DescribeExecution lagging ${c.listingLagMs} ms, the rotation function polling every ${c.pollMs} ms, ` +
    `${c.rotationReattempts} Secrets Manager reattempts; ${fleet.listeners} HTTPS listeners for the fleet; ` +
    `execution histories kept: ${c.retainEndedHistories === undefined ? 'all' : `the last ${c.retainEndedHistories} (${fleet.droppedHistories} dropped)`}. ` +
    `Pace: ${fleet.devicesPerSecond.toFixed(1)} rotations/s, ${perWindow.toLocaleString('en-US')} per 4-hour window.`
  );
}

/** The largest fleet per 4-hour rotation window that the measured calls per rotation support, quota by quota. */
function ceilingLine(apiCallsPerRotation: Readonly<Record<string, number>>): string {
  const ceilings = fleetCeilings(apiCallsPerRotation, 4);
  if (ceilings.length === 0) return '';
  const [binding, ...others] = ceilings;
  return (
    `**Fleet ceiling** per 4-hour window at the published us-east-1 quotas, from the calls a rotation made here: ` +
    `${binding.rotationsPerWindow.toLocaleString('en-US')} secrets, bound first by ${binding.quota} (${binding.rate}/s, ${binding.callsPerRotation.toFixed(1)} per rotation)` +
    `${others.length > 0 ? `; then ${others.slice(0, 2).map((c) => `${c.quota} ${c.rotationsPerWindow.toLocaleString('en-US')}`).join(', ')}` : ''}.`
  );
}

/** The short report: one table per part, with the machine and the targets (✓ met, ✗ missed). */
export function formatBenchReport(results: BenchResults): string {
  const { machine, targets } = results;
  const lines = [
    `Measured ${results.date.slice(0, 10)} on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), Node ${machine.node}, ${machine.platform}. ` +
      `Prices: AWS list prices, US East, as of ${results.pricesAsOf}. Targets: no extra device request; wall ≤ ${targets.maxWallRatio} × requests × latency; ` +
      `< $${targets.maxCostUsd} per rotation; bundles < ${targets.maxBundleBytes / 1024} KB; own code < ${targets.maxOwnCodeMs} ms to load.`,
  ];
  for (const section of [rotationSection(results), coldStartSection(results), fleetSection(results)]) {
    if (section.length > 0) lines.push('', ...section);
  }
  return lines.join('\n');
}
