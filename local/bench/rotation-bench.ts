/**
 * One vendor's happy path, measured: a scheduled rotation (Secrets Manager's four steps, the state machine the CDK
 * stack synthesizes, the production handlers) against a simulated device that answers every request `latencyMs`
 * late. Per rotation: the device requests it made, its wall time, the state transitions and Lambda invocations it
 * took, the AWS API calls it made, and what they cost at list prices.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { VENDORS, type Vendor } from '../../lambda/device/types';
import type { CfnTemplate } from '../engine/synthesized-workflow';
import type { LocalEngine } from '../engine/local-engine';
import { deviceSecretFor, type SimulatedDevice, type SimulatorOptions, simulatorModule, startSimulator } from '../simulators';
import type { BenchVariant } from '../simulators/simulator-module';
import { type Architecture, type CostPerRotation, costOf } from './pricing';
import { type BenchSubject, countRoundTrips, PROTOCOL_MINIMUM, type RoundTripCount } from './protocol-minimum';
import { callsSince, callsTo, median } from './stats';

const USER = 'admin';

export interface RotationSample {
  readonly wallMs: number;
  readonly operations: readonly string[];
  /** TLS connections the device accepted during the rotation. */
  readonly tlsConnections: number;
  readonly stateTransitions: number;
  readonly executions: number;
  readonly invocations: ReadonlyArray<{ readonly functionName: string; readonly durationMs: number }>;
  readonly apiCalls: Readonly<Record<string, number>>;
}

export interface VendorBenchResult {
  readonly subject: BenchSubject;
  readonly vendor: Vendor;
  readonly latencyMs: number;
  readonly runs: number;
  readonly roundTrips: RoundTripCount;
  /** The device requests of one rotation, in order. */
  readonly requestSequence: readonly string[];
  readonly tlsConnections: number;
  readonly wallMs: { readonly median: number; readonly min: number; readonly max: number };
  /** median wall time / (device requests × latency). */
  readonly wallRatio: number;
  readonly stateTransitions: number;
  readonly executions: number;
  readonly lambdaInvocations: number;
  readonly lambdaInvocationsByFunction: Readonly<Record<string, number>>;
  readonly apiCalls: Readonly<Record<string, number>>;
  readonly cost: CostPerRotation;
  /** Different counts from one run to the next (there should be none on the happy path). */
  readonly unstable: readonly string[];
}

/** Memory and architecture of each function in the template, by logical id (the local Lambda's function names). */
export function functionSettings(template: CfnTemplate): Map<string, { memoryMb: number; architecture: Architecture }> {
  const settings = new Map<string, { memoryMb: number; architecture: Architecture }>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const properties = (resource.Properties ?? {}) as { MemorySize?: number; Architectures?: string[] };
    settings.set(logicalId, {
      memoryMb: properties.MemorySize ?? 128,
      architecture: properties.Architectures?.includes('arm64') === true ? 'arm64' : 'x86_64',
    });
  }
  return settings;
}

/** Standard workflows bill every state entered, and every retry of a task. */
export function stateTransitionsOf(history: readonly HistoryEvent[]): number {
  const entered = history.filter((event) => event.type?.endsWith('StateEntered') === true).length;
  const taskEntered = history.filter((event) => event.type === 'TaskStateEntered').length;
  const scheduled = history.filter((event) => event.type === 'TaskScheduled' || event.type === 'LambdaFunctionScheduled').length;
  return entered + Math.max(0, scheduled - taskEntered);
}

/** The bench variant a subject names, and its vendor. */
export function variantOf(subject: BenchSubject): { vendor: Vendor; variant: BenchVariant } {
  for (const vendor of VENDORS) {
    const variant = simulatorModule(vendor).benchVariants.find((candidate) => candidate.name === subject);
    if (variant !== undefined) return { vendor, variant };
  }
  throw new Error(`no bench subject "${subject}"`);
}

export function vendorOf(subject: BenchSubject): Vendor {
  return variantOf(subject).vendor;
}

/** A simulated device answering every request `latencyMs` late, and its device secret stored in the engine. */
export async function benchDevice(
  engine: LocalEngine,
  subject: BenchSubject,
  options: {
    latencyMs: number;
    simulator?: Partial<SimulatorOptions>;
    name?: string;
    /** How the device secret is stored. Default: `engine.createDeviceSecret` (CreateSecret through the endpoint). */
    store?: (name: string, value: Record<string, unknown>) => Promise<string>;
  },
) {
  const { vendor, variant } = variantOf(subject);
  const password = `Bench-${randomBytes(8).toString('hex')}!7`;
  const device = await startSimulator(vendor, { users: [{ username: USER, password }], ...options.simulator });
  const extras = (await variant.secretExtras?.(device, { username: USER, password })) ?? {};
  // Every request, from now on: the operator's set-up above is not the rotation's.
  if (options.latencyMs > 0) device.injectFault({ fault: { kind: 'latency', ms: options.latencyMs }, times: Infinity });
  const store = options.store ?? ((name: string, value: Record<string, unknown>) => engine.createDeviceSecret(name, value));
  const secretArn = await store(options.name ?? `bench/${vendor}-${randomBytes(4).toString('hex')}`, {
    ...deviceSecretFor(device, { username: USER, password }),
    ...extras,
  });
  return { device, secretArn, initialPassword: password };
}

/** The rotation failed, or it did not leave the device on the new AWSCURRENT with the old one as AWSPREVIOUS. */
export function rotationProblem(engine: LocalEngine, device: SimulatedDevice, secretArn: string, oldPassword: string): string | undefined {
  const failure = engine.secrets.lastRotationError(secretArn);
  if (failure !== undefined) return `${failure.step} failed: ${failure.errorMessage}`;
  const stored = engine.stored(secretArn);
  const onDevice = device.passwordOf(USER);
  if (stored.current !== onDevice) return 'the device is not on the AWSCURRENT password';
  if (stored.current === oldPassword) return 'AWSCURRENT did not change';
  if (stored.previous !== oldPassword) return 'AWSPREVIOUS is not the old password';
  return undefined;
}

/** One scheduled rotation of the device, measured. */
export async function measureRotation(engine: LocalEngine, device: SimulatedDevice, secretArn: string): Promise<RotationSample> {
  const requestsBefore = device.requests.length;
  const connectionsBefore = device.connections();
  const invocationsBefore = engine.lambda.invocations.length;
  const executionsBefore = new Set(await engine.executionArns());
  const apiBefore = engine.apiCalls();
  const oldPassword = engine.stored(secretArn).current ?? '';

  const started = performance.now();
  await engine.rotateSecret(secretArn);
  const wallMs = performance.now() - started;

  const apiCalls = callsSince(engine.apiCalls(), apiBefore);
  const problem = rotationProblem(engine, device, secretArn, oldPassword);
  if (problem !== undefined) throw new Error(`${device.vendor}: the benchmark rotation did not succeed: ${problem}`);
  const newExecutions = (await engine.executionArns()).filter((arn) => !executionsBefore.has(arn));
  let stateTransitions = 0;
  for (const arn of newExecutions) stateTransitions += stateTransitionsOf(await engine.history(arn));
  return {
    wallMs,
    operations: device.requests.slice(requestsBefore).map((r) => r.operation),
    tlsConnections: device.connections() - connectionsBefore,
    stateTransitions,
    executions: newExecutions.length,
    invocations: engine.lambda.invocations.slice(invocationsBefore).map(({ functionName, durationMs }) => ({ functionName, durationMs })),
    apiCalls,
  };
}

export interface VendorBenchOptions {
  readonly latencyMs: number;
  /** Measured rotations (after one warm-up rotation). */
  readonly runs: number;
  readonly template: CfnTemplate;
}

/** Warm-up, then `runs` scheduled rotations of one device; counts from the last run, wall time over all. */
export async function benchVendor(engine: LocalEngine, subject: BenchSubject, options: VendorBenchOptions): Promise<VendorBenchResult> {
  const { device, secretArn } = await benchDevice(engine, subject, { latencyMs: options.latencyMs });
  const settings = functionSettings(options.template);
  const samples: RotationSample[] = [];
  const { variant } = variantOf(subject);
  const rotate = () => {
    variant.beforeEachRotation?.();
    return measureRotation(engine, device, secretArn);
  };
  try {
    await rotate();
    for (let run = 0; run < options.runs; run += 1) samples.push(await rotate());
  } finally {
    await device.stop();
  }
  const last = samples[samples.length - 1];
  const unstable: string[] = [];
  const sameEverywhere = (label: string, value: (sample: RotationSample) => string) => {
    if (new Set(samples.map(value)).size > 1) unstable.push(label);
  };
  sameEverywhere('device requests', (s) => s.operations.join(','));
  sameEverywhere('TLS connections', (s) => String(s.tlsConnections));
  sameEverywhere('state transitions', (s) => String(s.stateTransitions));
  sameEverywhere('Lambda invocations', (s) => String(s.invocations.length));
  // How often the rotation function polls its execution depends on timing: left out.
  sameEverywhere('API calls', (s) => JSON.stringify({ ...s.apiCalls, 'AWSStepFunctions.DescribeExecution': 0 }));

  const roundTrips = countRoundTrips(last.operations, PROTOCOL_MINIMUM[subject]);
  const walls = samples.map((s) => s.wallMs);
  const wallMedian = median(walls);
  const invocationsByFunction: Record<string, number> = {};
  for (const invocation of last.invocations) invocationsByFunction[invocation.functionName] = (invocationsByFunction[invocation.functionName] ?? 0) + 1;
  const billed = last.invocations.map((invocation) => {
    const setting = settings.get(invocation.functionName) ?? { memoryMb: 128, architecture: 'x86_64' as const };
    return { durationMs: invocation.durationMs, ...setting };
  });
  return {
    subject,
    vendor: vendorOf(subject),
    latencyMs: options.latencyMs,
    runs: samples.length,
    roundTrips,
    requestSequence: last.operations,
    tlsConnections: last.tlsConnections,
    wallMs: { median: wallMedian, min: Math.min(...walls), max: Math.max(...walls) },
    wallRatio: options.latencyMs > 0 ? wallMedian / (roundTrips.total * options.latencyMs) : Number.NaN,
    stateTransitions: last.stateTransitions,
    executions: last.executions,
    lambdaInvocations: last.invocations.length,
    lambdaInvocationsByFunction: invocationsByFunction,
    apiCalls: last.apiCalls,
    cost: costOf({ stateTransitions: last.stateTransitions, invocations: billed, secretsManagerCalls: callsTo(last.apiCalls, 'secretsmanager.'), kmsCalls: callsTo(last.apiCalls, 'TrentService.') }),
    unstable,
  };
}
