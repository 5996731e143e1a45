/**
 * `npm run bench`: how cheap and quick a rotation is, against what the device protocols allow. Not part of `npm test`.
 *
 *   npm run bench                                   everything (about 3 minutes on 2 cores)
 *   npm run bench -- --only rotation,cold-start     a part: rotation | cold-start | fleet
 *   npm run bench -- --latency 20 --runs 5          simulated device latency per request (ms), measured rotations per vendor
 *   npm run bench -- --devices 1000 --concurrency 32   the fleet run
 *   npm run bench -- --only fleet --poll-ms 2000        the rotation function polling as in AWS (default 20 ms here)
 *   npm run bench -- --only fleet --quota-scale 0.5 --listing-lag-ms 1000 --retain-histories 2000
 *                                                   the fleet's quotas (× the published rates), listing lag, histories kept
 *   npm run bench -- --out results.json             where the JSON goes (default .local/bench/results.json)
 *   npm run bench -- --readme                       also write the tables into README.md (between the bench markers)
 *
 * Exit code 0 when it ran (targets missed are reported, not failed), 1 when a rotation failed, 2 for a bad command line.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PUBLISHED_QUOTAS } from '../aws/quotas';
import { startLocalEngine, synthesizeRotatorTemplate } from '../engine/local-engine';
import { COLD_START_TARGETS, type ColdStartMeasurement, measureColdStart } from './cold-start';
import { type FleetResult, runFleet } from './fleet';
import { PRICES_AS_OF } from './pricing';
import { type BenchSubject, PROTOCOL_MINIMUM } from './protocol-minimum';
import { benchVendor, type VendorBenchResult } from './rotation-bench';
import { formatBenchReport } from './report';

export const BENCH_TARGETS = {
  extraRoundTrips: 0,
  maxWallRatio: 1.2,
  maxCostUsd: 0.001,
  maxBundleBytes: COLD_START_TARGETS.maxBundleBytes,
  maxOwnCodeMs: COLD_START_TARGETS.maxOwnCodeMs,
} as const;

const PARTS = ['rotation', 'cold-start', 'fleet'] as const;
type Part = (typeof PARTS)[number];

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

export interface RotationPart {
  readonly latencyMs: number;
  readonly runs: number;
  readonly results: readonly VendorBenchResult[];
  /** The same rotations with no added latency: what the local engine itself costs per rotation (median wall ms). */
  readonly fixedOverheadMs: Readonly<Record<string, number>>;
  /**
   * What each device request adds to the wall time, in latencies: (wall − wall with no latency) / (requests × latency).
   * 1.0 means the rotator waits for nothing but the device; above it, something waits per request.
   */
  readonly perRequestRatio: Readonly<Record<string, number>>;
}

export interface BenchResults {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly pricesAsOf: string;
  readonly targets: typeof BENCH_TARGETS;
  readonly rotation?: RotationPart;
  readonly coldStart?: readonly ColdStartMeasurement[];
  readonly fleet?: FleetResult;
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

async function rotationPart(latencyMs: number, runs: number, log: (line: string) => void): Promise<RotationPart> {
  const template = synthesizeRotatorTemplate();
  const engine = await startLocalEngine({ template });
  const results: VendorBenchResult[] = [];
  const fixedOverheadMs: Record<string, number> = {};
  const perRequestRatio: Record<string, number> = {};
  try {
    for (const subject of Object.keys(PROTOCOL_MINIMUM) as BenchSubject[]) {
      log(`rotation: ${subject}…`);
      const fixed = (await benchVendor(engine, subject, { latencyMs: 0, runs, template })).wallMs.median;
      const result = await benchVendor(engine, subject, { latencyMs, runs, template });
      results.push(result);
      const requests = result.roundTrips.total;
      fixedOverheadMs[subject] = fixed;
      perRequestRatio[subject] = (result.wallMs.median - fixed) / (requests * latencyMs);
    }
  } finally {
    await engine.stop();
  }
  return { latencyMs, runs, results, fixedOverheadMs, perRequestRatio };
}

export interface FleetPartSettings {
  readonly devices: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  readonly pollMs?: number;
  /** × the published quotas; 0: no quotas. */
  readonly quotaScale: number;
  readonly listingLagMs: number;
  readonly retainHistories: number;
  readonly rotationReattempts: number;
  /** The device request deadline (the engine's `deviceRequestTimeoutMs`). */
  readonly deviceTimeoutMs: number;
}

/**
 * The fleet as AWS would run it, on one machine: the published quotas (scaled by `quotaScale`), lagging listings,
 * Secrets Manager's reattempts; the stand-in keeps only the last `retainHistories` execution histories (memory).
 */
async function fleetPart(settings: FleetPartSettings, log: (line: string) => void): Promise<FleetResult> {
  const engine = await startLocalEngine({
    pollMs: settings.pollMs,
    quotas: settings.quotaScale > 0 ? { quotas: PUBLISHED_QUOTAS, scale: settings.quotaScale } : undefined,
    listingLagMs: settings.listingLagMs,
    retainEndedHistories: settings.retainHistories,
    rotationReattempts: settings.rotationReattempts,
    deviceRequestTimeoutMs: settings.deviceTimeoutMs,
  });
  try {
    return await runFleet(engine, { devices: settings.devices, concurrency: settings.concurrency, latencyMs: settings.latencyMs, log });
  } finally {
    await engine.stop();
  }
}

export const README_START = '<!-- bench:start (npm run bench -- --readme) -->';
export const README_END = '<!-- bench:end -->';

/** Replaces what is between the bench markers in README.md with `text`. */
export function withBenchSection(readme: string, text: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${README_START}" … "${README_END}" section`);
  return `${readme.slice(0, start + README_START.length)}\n${text}\n${readme.slice(end)}`;
}

function numberOption(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a number ≥ 0, not "${value}"`);
  return parsed;
}

function integerOption(value: string | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${name} must be an integer ≥ ${min}, not "${value}"`);
  return parsed;
}

export async function main(argv: string[], print: (text: string) => void = console.log): Promise<number> {
  let settings: {
    parts: Part[];
    latencyMs: number;
    runs: number;
    devices: number;
    concurrency: number;
    pollMs?: number;
    quotaScale: number;
    listingLagMs: number;
    retainHistories: number;
    reattempts: number;
    deviceTimeoutMs: number;
    out: string;
    readme: boolean;
  };
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        latency: { type: 'string' },
        runs: { type: 'string' },
        devices: { type: 'string' },
        concurrency: { type: 'string' },
        'poll-ms': { type: 'string' },
        'quota-scale': { type: 'string' },
        'listing-lag-ms': { type: 'string' },
        'retain-histories': { type: 'string' },
        reattempts: { type: 'string' },
        'device-timeout-ms': { type: 'string' },
        out: { type: 'string' },
        readme: { type: 'boolean' },
      },
    });
    const parts = values.only === undefined ? [...PARTS] : values.only.split(',').map((part) => part.trim());
    const unknown = parts.filter((part) => !(PARTS as readonly string[]).includes(part));
    if (unknown.length > 0) throw new Error(`--only: unknown part(s) ${unknown.join(', ')}; choose from ${PARTS.join(', ')}`);
    settings = {
      parts: parts as Part[],
      latencyMs: integerOption(values.latency, 20, 'latency', 1),
      runs: integerOption(values.runs, 5, 'runs', 1),
      devices: integerOption(values.devices, 1000, 'devices', 1),
      concurrency: integerOption(values.concurrency, 32, 'concurrency', 1),
      pollMs: values['poll-ms'] === undefined ? undefined : integerOption(values['poll-ms'], 20, 'poll-ms', 1),
      quotaScale: numberOption(values['quota-scale'], 1, 'quota-scale'),
      listingLagMs: integerOption(values['listing-lag-ms'], 1000, 'listing-lag-ms', 0),
      retainHistories: integerOption(values['retain-histories'], 2000, 'retain-histories', 0),
      reattempts: integerOption(values.reattempts, 2, 'reattempts', 0),
      deviceTimeoutMs: integerOption(values['device-timeout-ms'], 3000, 'device-timeout-ms', 1),
      out: resolve(values.out ?? join('.local', 'bench', 'results.json')),
      readme: values.readme === true,
    };
  } catch (error) {
    print(
      `${(error as Error).message}\nUsage: npm run bench [-- --only rotation,cold-start,fleet --latency 20 --runs 5 --devices 1000 --concurrency 32 --poll-ms 20 ` +
        `--quota-scale 1 --listing-lag-ms 1000 --retain-histories 2000 --reattempts 2 --out <file> --readme]`,
    );
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = performance.now();
  let results: BenchResults = { date: new Date().toISOString(), machine: machineInfo(), pricesAsOf: PRICES_AS_OF, targets: BENCH_TARGETS };
  // The handlers log every task as JSON; here they would drown the report.
  process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
  try {
    if (settings.parts.includes('rotation')) results = { ...results, rotation: await rotationPart(settings.latencyMs, settings.runs, log) };
    if (settings.parts.includes('cold-start')) results = { ...results, coldStart: await measureColdStart({ log }) };
    if (settings.parts.includes('fleet')) {
      const { devices, concurrency, latencyMs, pollMs, quotaScale, listingLagMs, retainHistories, reattempts, deviceTimeoutMs } = settings;
      const fleet = await fleetPart({ devices, concurrency, latencyMs, pollMs, quotaScale, listingLagMs, retainHistories, rotationReattempts: reattempts, deviceTimeoutMs }, log);
      results = { ...results, fleet };
    }
  } catch (error) {
    print(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  mkdirSync(dirname(settings.out), { recursive: true });
  writeFileSync(settings.out, `${JSON.stringify(results, null, 2)}\n`);
  const report = formatBenchReport(results);
  print(report);
  print(`\nJSON: ${settings.out} (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
  if (settings.readme) {
    const readmePath = join(__dirname, '..', '..', 'README.md');
    writeFileSync(readmePath, withBenchSection(readFileSync(readmePath, 'utf8'), report));
    print('README.md: benchmark section updated.');
  }
  const failed = results.fleet !== undefined && (results.fleet.failures.length > 0 || results.fleet.stuck > 0);
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
