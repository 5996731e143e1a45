/**
 * A fleet rotation on one machine: `devices` simulated devices of every vendor in turn, each with its own secret,
 * rotated through the local engine (Secrets Manager's four steps, the synthesized state machine, the production
 * handlers) with at most `concurrency` rotations in flight, under whatever quotas and listing lag the engine was
 * started with. Reports devices per second, peak memory, and whether every device ended on its new password (the
 * password stored as AWSCURRENT, with the old one as AWSPREVIOUS). The devices of one vendor share one HTTPS listener
 * (`SharedDeviceListener`), each at a loopback address of its own. The same code runs the bench's 10,000 and the small
 * fleet of `npm test` (test/engine/throttling.test.ts).
 */
import { simulatorModule } from '../simulators';
import { VENDORS, type Vendor } from '../../lambda/device/types';
import type { LocalEngine } from '../engine/local-engine';
import { makeSelfSignedCertificate } from '../simulators/certificate';
import type { SimulatedDevice } from '../simulators';
import { SharedDeviceListener } from '../simulators/shared-listener';
import { benchDevice, rotationProblem } from './rotation-bench';
import { callsSince, percentile } from './stats';

export interface FleetOptions {
  readonly devices: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  /** Progress lines (every 10 %). */
  readonly log?: (line: string) => void;
}

export interface FleetResult {
  readonly devices: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  readonly byVendor: Readonly<Record<string, number>>;
  readonly setupSeconds: number;
  readonly rotationSeconds: number;
  readonly devicesPerSecond: number;
  readonly rotationMs: { readonly median: number; readonly p95: number; readonly max: number };
  readonly memory: {
    /** Resident set size before the simulators started, after setup, and the peak during the rotations (MiB). */
    readonly rssBeforeMiB: number;
    readonly rssAfterSetupMiB: number;
    readonly peakRssMiB: number;
    readonly peakHeapUsedMiB: number;
  };
  /** Devices on their new password, with AWSCURRENT = device password and AWSPREVIOUS = the old one. */
  readonly onNewPassword: number;
  /** Secrets left with AWSPENDING on a version that is not AWSCURRENT: rotations stuck (must be 0). */
  readonly stuck: number;
  /** AWS calls the local quotas throttled during the run, which the retries absorbed. */
  readonly throttledCalls: number;
  readonly failures: ReadonlyArray<{ readonly secret: string; readonly problem: string }>;
  /** What the engine ran under. */
  readonly conditions: {
    /** Quotas on (`local/aws/quotas.ts`), and their scale (1: the published rates). */
    readonly quotas: boolean;
    readonly quotaScale: number;
    readonly listingLagMs: number;
    readonly pollMs: number;
    readonly retainEndedHistories?: number;
    /** Secrets Manager's reattempts of a failed rotation. */
    readonly rotationReattempts: number;
  };
  /** Executions whose event history the Step Functions stand-in dropped (`retainEndedHistories`). */
  readonly droppedHistories: number;
  /** HTTPS listeners serving the fleet (one per vendor). */
  readonly listeners: number;
  /** AWS API calls per rotation, averaged over the fleet (the concurrency guard's cost grows with what is in flight). */
  readonly apiCallsPerRotation: Readonly<Record<string, number>>;
  readonly lambdaInvocationsPerRotation: number;
}

const MiB = 1024 * 1024;

interface FleetMember {
  readonly vendor: Vendor;
  readonly device: SimulatedDevice;
  readonly secretArn: string;
  readonly initialPassword: string;
}

/** Samples memory until stopped; keeps the peaks. */
function memoryWatch(intervalMs = 100) {
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { peakRss, peakHeap };
    },
  };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function boundedPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

export async function runFleet(engine: LocalEngine, options: FleetOptions): Promise<FleetResult> {
  const log = options.log ?? (() => undefined);
  const rssBefore = process.memoryUsage().rss;
  const setupStarted = performance.now();
  // One certificate for the fleet (as devices issued by one CA would share a trust anchor): making 1,000 is slow.
  const certificate = await makeSelfSignedCertificate('fleet.simulator.local');
  const listeners = new Map<Vendor, SharedDeviceListener>();
  for (const vendor of VENDORS) listeners.set(vendor, await SharedDeviceListener.start(certificate));
  // The fleet's secrets are put straight into the stand-in: an operator creates them over days, and CreateSecret's
  // share of the 50/s write quota is not what this run measures (RotateSecret's and the rotation's writes are).
  const seed = async (name: string, value: Record<string, unknown>) =>
    ((await engine.secrets.handle('CreateSecret', { Name: name, SecretString: JSON.stringify(value) })) as { ARN: string }).ARN;
  const members: FleetMember[] = [];
  const byVendor: Record<string, number> = {};
  const indexes = Array.from({ length: options.devices }, (_, index) => index);
  await boundedPool(indexes, 50, async (index) => {
    const vendor = VENDORS[index % VENDORS.length];
    // Each device as deployed without set-up by hand (e.g. OAuth clients registered dynamically).
    const variants = simulatorModule(vendor).benchVariants;
    const subject = (variants.find((variant) => variant.secretExtras === undefined) ?? variants[0]).name;
    const { device, secretArn, initialPassword } = await benchDevice(engine, subject, {
      latencyMs: options.latencyMs,
      simulator: { listener: listeners.get(vendor) },
      name: `fleet/${String(index).padStart(5, '0')}-${vendor}`,
      store: seed,
    });
    members.push({ vendor, device, secretArn, initialPassword });
    byVendor[vendor] = (byVendor[vendor] ?? 0) + 1;
  });
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const rssAfterSetup = process.memoryUsage().rss;
  log(`fleet: ${members.length} simulated devices and their secrets ready in ${setupSeconds.toFixed(1)} s; rotating, ${options.concurrency} at a time`);

  const apiBefore = engine.apiCalls();
  const throttledBefore = Object.values(engine.quotas.throttledCalls()).reduce((sum, n) => sum + n, 0);
  const invocationsBefore = engine.lambda.invocations.length;
  const failures: Array<{ secret: string; problem: string }> = [];
  const durations: number[] = [];
  const watch = memoryWatch();
  const started = performance.now();
  let done = 0;
  let memoryPeaks = { peakRss: 0, peakHeap: 0 };
  try {
    await boundedPool(members, options.concurrency, async (member) => {
      const rotationStarted = performance.now();
      try {
        await engine.rotateSecret(member.secretArn);
        const problem = rotationProblem(engine, member.device, member.secretArn, member.initialPassword);
        if (problem !== undefined) failures.push({ secret: member.secretArn, problem });
      } catch (error) {
        failures.push({ secret: member.secretArn, problem: error instanceof Error ? error.message : String(error) });
      }
      durations.push(performance.now() - rotationStarted);
      done += 1;
      if (done % Math.max(1, Math.round(members.length / 10)) === 0) log(`fleet: ${done}/${members.length} rotated`);
    });
  } finally {
    memoryPeaks = watch.stop();
  }
  const rotationSeconds = (performance.now() - started) / 1000;

  const onNewPassword = members.filter((member) => {
    const stored = engine.stored(member.secretArn);
    const onDevice = member.device.passwordOf('admin');
    return onDevice === stored.current && stored.previous === member.initialPassword && onDevice !== member.initialPassword;
  }).length;
  const stuck = members.filter((member) => {
    const pending = engine.stored(member.secretArn).withStage('AWSPENDING');
    return pending !== undefined && !pending.VersionStages.includes('AWSCURRENT');
  }).length;
  const throttledCalls = Object.values(engine.quotas.throttledCalls()).reduce((sum, n) => sum + n, 0) - throttledBefore;
  const apiCallsPerRotation = Object.fromEntries(
    Object.entries(callsSince(engine.apiCalls(), apiBefore)).map(([name, count]) => [name, count / members.length]),
  );
  await Promise.all(members.map((member) => member.device.stop()));
  await Promise.all([...listeners.values()].map((listener) => listener.stop()));
  const settings = engine.options;
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    devices: members.length,
    concurrency: options.concurrency,
    latencyMs: options.latencyMs,
    byVendor,
    setupSeconds,
    rotationSeconds,
    devicesPerSecond: members.length / rotationSeconds,
    rotationMs: { median: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1] ?? Number.NaN },
    memory: {
      rssBeforeMiB: rssBefore / MiB,
      rssAfterSetupMiB: rssAfterSetup / MiB,
      peakRssMiB: memoryPeaks.peakRss / MiB,
      peakHeapUsedMiB: memoryPeaks.peakHeap / MiB,
    },
    onNewPassword,
    stuck,
    throttledCalls,
    failures,
    conditions: {
      quotas: settings.quotas !== undefined,
      quotaScale: settings.quotas?.scale ?? 1,
      listingLagMs: engine.stepFunctions.listingLagMs,
      pollMs: Number(process.env.EXECUTION_POLL_MS),
      retainEndedHistories: settings.retainEndedHistories,
      rotationReattempts: settings.rotationReattempts ?? 0,
    },
    droppedHistories: engine.stepFunctions.droppedHistories(),
    listeners: listeners.size,
    apiCallsPerRotation,
    lambdaInvocationsPerRotation: (engine.lambda.invocations.length - invocationsBefore) / members.length,
  };
}
