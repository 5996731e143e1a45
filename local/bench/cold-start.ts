/**
 * Cold start of the Lambda functions: the size of each bundle exactly as CDK makes it (AWS SDK external, as the
 * runtime provides it) and the time a fresh Node process takes to load it, beside the time to load the same AWS SDK
 * clients alone. The difference is what the project's own code (and its bundled dependencies) adds.
 *
 * Run alone: `npx tsx local/bench/cold-start.ts [runs]`.
 */
import { vendorModule } from '../../lambda/vendors';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { median } from './stats';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** Under `.local/`, which git ignores; inside the repository so the bundles' `@aws-sdk/*` resolve from its node_modules. */
const DEFAULT_OUT_DIR = path.join(PROJECT_ROOT, '.local', 'bench', 'cold-start');
const DEFAULT_RUNS = 7;
const TOP_INPUT_COUNT = 8;

export const COLD_START_TARGETS = { maxBundleBytes: 150 * 1024, maxOwnCodeMs: 30 } as const;

/** The esbuild options of the `bundling` block in `infra/device-password-rotator.ts`, as CDK passes them to esbuild. */
export const LAMBDA_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  minify: true,
  keepNames: true,
  sourcemap: true,
  external: ['@aws-sdk/*'],
  logLevel: 'warning',
};

export interface LoadTiming {
  readonly medianMs: number;
  readonly minMs: number;
  readonly samplesMs: readonly number[];
}

/** A package (`zod`, `@middy/core`) or a project file, and how many bytes of the minified bundle it makes. */
export interface BundleInput {
  readonly input: string;
  readonly bytes: number;
}

export interface ColdStartMeasurement {
  /** Logical id of the `AWS::Lambda::Function` in the synthesized template. */
  readonly logicalId: string;
  /** `rotation` or the vendor of a device function. */
  readonly name: string;
  /** The handler source the bundle is built from, relative to the repository. */
  readonly entry: string;
  /** The bundle CDK made (`index.js` in the function's asset directory). */
  readonly bundlePath: string;
  readonly bundleBytes: number;
  /** `index.js.map`: deployed, but read only when Node runs with `--enable-source-maps`. */
  readonly sourceMapBytes: number;
  /** The `@aws-sdk/*` modules the bundle requires: the runtime provides them. */
  readonly sdkExternals: readonly string[];
  /** What makes up the bundle, biggest first. */
  readonly topInputs: readonly BundleInput[];
  /** `NODE_OPTIONS` in the function's environment ('' when unset); the loads below are timed with it, as Lambda runs. */
  readonly nodeOptions: string;
  readonly bundleLoad: LoadTiming;
  readonly sdkOnlyLoad: LoadTiming;
  /** median(bundle load) − median(SDK-only load). */
  readonly ownCodeMs: number;
  readonly meetsTargets: { readonly bundleBytes: boolean; readonly ownCodeMs: boolean };
}

export interface MeasureColdStartOptions {
  /** Loads of each kind per function. Default 7. */
  readonly runs?: number;
  /** Where the app is synthesized. Default `.local/bench/cold-start` (emptied first). */
  readonly outDir?: string;
  readonly log?: (line: string) => void;
}

export async function measureColdStart(options: MeasureColdStartOptions = {}): Promise<ColdStartMeasurement[]> {
  const runs = options.runs ?? DEFAULT_RUNS;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a whole number of at least 1, got ${runs}`);
  const log = options.log ?? (() => undefined);
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  if (!options.outDir) rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  log(`synthesizing the app with bundling into ${path.relative(process.cwd(), outDir) || '.'}`);
  const functions = await synthesizeProjectFunctions(outDir);
  const results: ColdStartMeasurement[] = [];
  for (const fn of functions) {
    log(`${fn.name}: rebuilding with a metafile, then ${runs} loads of the bundle and of its SDK clients`);
    results.push(await measureFunction(fn, runs, log));
  }
  return results;
}

// ------------------------------------------------------------------------------------------------------------------
// The bundles CDK makes
// ------------------------------------------------------------------------------------------------------------------

/** A function of this project in the synthesized template. */
export interface SynthesizedFunction {
  readonly logicalId: string;
  /** `FUNCTION_KIND` of its environment: `rotation` or `device:<vendor>`. */
  readonly kind: string;
  readonly name: string;
  /** The asset directory holding `index.js`. */
  readonly bundleDir: string;
  readonly nodeOptions: string;
}

interface TemplateResource {
  readonly Type?: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Properties?: { readonly Environment?: { readonly Variables?: Record<string, unknown> } };
}

async function synthesizeProjectFunctions(outDir: string): Promise<SynthesizedFunction[]> {
  // Loaded here, not at the top: importing the CDK app costs seconds that the helpers (and their tests) do not need.
  const { createRotatorApp } = await import('../../infra/app');
  const { app } = createRotatorApp({
    config: { secrets: [] },
    outdir: outDir,
    context: {
      ...cdkJsonContext(),
      'aws:cdk:bundling-stacks': ['**'],
      // Each function's resource then names its asset directory in Metadata `aws:asset:path`.
      'aws:cdk:enable-asset-metadata': true,
    },
  });
  const assembly = app.synth();
  return assembly.stacks.flatMap((stack) =>
    projectFunctionsOf(stack.template as { Resources?: Record<string, TemplateResource> }, assembly.directory),
  );
}

/** The feature flags `cdk synth` would pass from cdk.json: an App made in code does not read it. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/**
 * The project's functions in a template: those with a `FUNCTION_KIND` (what the construct sets), leaving out any
 * function CDK adds itself. Their bundles are found through the asset metadata, relative to the assembly directory.
 */
export function projectFunctionsOf(
  template: { Resources?: Record<string, TemplateResource> },
  assemblyDir: string,
): SynthesizedFunction[] {
  const functions: SynthesizedFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables = resource.Properties?.Environment?.Variables ?? {};
    const kind = variables.FUNCTION_KIND;
    if (typeof kind !== 'string') continue;
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') {
      throw new Error(`${logicalId} has no aws:asset:path metadata: synthesize with context aws:cdk:enable-asset-metadata = true`);
    }
    functions.push({
      logicalId,
      kind,
      name: kind.replace(/^device:/, ''),
      bundleDir: path.resolve(assemblyDir, assetPath),
      nodeOptions: typeof variables.NODE_OPTIONS === 'string' ? variables.NODE_OPTIONS : '',
    });
  }
  return functions;
}

/** The handler source of a function kind, as `infra/device-password-rotator.ts` names it. */
export function entryOfKind(kind: string): string {
  if (kind === 'rotation') return 'lambda/handlers/rotation.ts';
  const vendor = /^device:(.+)$/.exec(kind)?.[1];
  if (!vendor) throw new Error(`unknown FUNCTION_KIND "${kind}"`);
  return vendorModule(vendor).handlerEntry;
}

// ------------------------------------------------------------------------------------------------------------------
// What is in a bundle
// ------------------------------------------------------------------------------------------------------------------

export interface EntryBundle {
  readonly code: string;
  readonly metafile: Metafile;
  readonly sdkExternals: readonly string[];
  readonly topInputs: readonly BundleInput[];
}

/** Bundles one handler (path relative to the repository) the way CDK does, in memory, with esbuild's metafile. */
export async function bundleEntry(entry: string): Promise<EntryBundle> {
  const result = await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [path.join(PROJECT_ROOT, entry)],
    absWorkingDir: PROJECT_ROOT,
    outfile: path.join(PROJECT_ROOT, '.local', 'bench', 'bundle', 'index.js'),
    write: false,
    metafile: true,
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('index.js'))?.text ?? '';
  return { code, metafile: result.metafile, sdkExternals: sdkExternalsOf(code), topInputs: topInputsOf(result.metafile) };
}

/** The `@aws-sdk/*` modules a bundle requires, sorted. */
export function sdkExternalsOf(bundleCode: string): string[] {
  const modules = [...bundleCode.matchAll(/\brequire\(\s*["'`](@aws-sdk\/[^"'`]+)["'`]\s*\)/g)].map((match) => match[1]!);
  return [...new Set(modules)].sort();
}

/** Output bytes per package (`node_modules/<name>` or `node_modules/@scope/<name>`) or per project file, biggest first. */
export function topInputsOf(metafile: Metafile, count = TOP_INPUT_COUNT): BundleInput[] {
  const bytesByInput = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const input = packageOf(file) ?? file;
      bytesByInput.set(input, (bytesByInput.get(input) ?? 0) + bytesInOutput);
    }
  }
  return [...bytesByInput]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

function packageOf(file: string): string | undefined {
  const afterNodeModules = file.split('node_modules/').at(-1);
  if (afterNodeModules === undefined || afterNodeModules === file) return undefined;
  const parts = afterNodeModules.split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

// ------------------------------------------------------------------------------------------------------------------
// Load time
// ------------------------------------------------------------------------------------------------------------------

const RESULT_MARKER = '@@cold-start ';

/**
 * Runs in the fresh process: resolves from `from` as the bundle would, and times only the `require` calls. It exits
 * at once, since a loaded module may leave handles open.
 */
const CHILD_SCRIPT = `
const { from, modules } = JSON.parse(process.argv[1]);
const load = require('node:module').createRequire(from);
const start = performance.now();
for (const name of modules) load(name);
const ms = performance.now() - start;
process.stdout.write('\\n${RESULT_MARKER}' + JSON.stringify({ ms }) + '\\n', () => process.exit(0));
`;

export interface FreshLoad {
  /** The file the modules are resolved from. */
  readonly from: string;
  /** Absolute paths or package names to require, in order. */
  readonly modules: readonly string[];
  /** `NODE_OPTIONS` of the process ('' for none); the caller's own NODE_OPTIONS is never inherited. */
  readonly nodeOptions?: string;
}

/** Milliseconds a fresh `node` takes to `require` the modules. */
export async function timeRequireInFreshNode(load: FreshLoad): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', CHILD_SCRIPT, JSON.stringify(load)], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: load.nodeOptions ?? '',
      // Bundles synthesized outside the repository still find the project's AWS SDK.
      NODE_PATH: path.join(PROJECT_ROOT, 'node_modules'),
    },
  });
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_MARKER));
  if (!line) throw new Error(`no timing from the load of ${load.modules.join(', ')}: ${stdout}`);
  return (JSON.parse(line.slice(RESULT_MARKER.length)) as { ms: number }).ms;
}

export function loadTimingOf(samplesMs: readonly number[]): LoadTiming {
  if (samplesMs.length === 0) throw new Error('no load samples');
  return { medianMs: median(samplesMs), minMs: Math.min(...samplesMs), samplesMs };
}

/** What the project's code adds to the load: median(bundle) − median(SDK only). */
export function ownCodeMsOf(bundleLoad: LoadTiming, sdkOnlyLoad: LoadTiming): number {
  return bundleLoad.medianMs - sdkOnlyLoad.medianMs;
}

async function measureFunction(fn: SynthesizedFunction, runs: number, log: (line: string) => void): Promise<ColdStartMeasurement> {
  const bundlePath = path.join(fn.bundleDir, 'index.js');
  const code = readFileSync(bundlePath, 'utf8');
  const entry = entryOfKind(fn.kind);
  const rebuilt = await bundleEntry(entry);
  if (rebuilt.code !== code) {
    log(`${fn.name}: the rebuild of ${entry} differs from CDK's bundle (source changed since synth?); top inputs are of the rebuild`);
  }
  const sdkExternals = sdkExternalsOf(code);
  const { bundleLoad, sdkOnlyLoad } = await timeLoads(bundlePath, sdkExternals, fn.nodeOptions, runs);
  const bundleBytes = statSync(bundlePath).size;
  const ownCodeMs = ownCodeMsOf(bundleLoad, sdkOnlyLoad);
  return {
    logicalId: fn.logicalId,
    name: fn.name,
    entry,
    bundlePath,
    bundleBytes,
    sourceMapBytes: sizeOrZero(`${bundlePath}.map`),
    sdkExternals,
    topInputs: rebuilt.topInputs,
    nodeOptions: fn.nodeOptions,
    bundleLoad,
    sdkOnlyLoad,
    ownCodeMs,
    meetsTargets: {
      bundleBytes: bundleBytes < COLD_START_TARGETS.maxBundleBytes,
      ownCodeMs: ownCodeMs < COLD_START_TARGETS.maxOwnCodeMs,
    },
  };
}

/** Alternates the two loads, swapping which goes first each round, so that drift on the machine hits both alike. */
async function timeLoads(bundlePath: string, sdkExternals: readonly string[], nodeOptions: string, runs: number) {
  const bundle: FreshLoad = { from: bundlePath, modules: [bundlePath], nodeOptions };
  const sdkOnly: FreshLoad = { from: bundlePath, modules: sdkExternals, nodeOptions };
  const bundleSamples: number[] = [];
  const sdkSamples: number[] = [];
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? ([bundle, sdkOnly] as const) : ([sdkOnly, bundle] as const);
    for (const load of order) {
      (load === bundle ? bundleSamples : sdkSamples).push(await timeRequireInFreshNode(load));
    }
  }
  return { bundleLoad: loadTimingOf(bundleSamples), sdkOnlyLoad: loadTimingOf(sdkSamples) };
}

function sizeOrZero(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

// ------------------------------------------------------------------------------------------------------------------
// Report
// ------------------------------------------------------------------------------------------------------------------

export function formatColdStartTable(results: readonly ColdStartMeasurement[]): string {
  const header = ['function', 'bundle', 'map', 'load ms med/min', 'SDK only ms med/min', 'own code ms', 'SDK externals'];
  const rows = results.map((r) => [
    r.name,
    `${kb(r.bundleBytes)}${r.meetsTargets.bundleBytes ? '' : ' !'}`,
    kb(r.sourceMapBytes),
    `${ms(r.bundleLoad.medianMs)} / ${ms(r.bundleLoad.minMs)}`,
    `${ms(r.sdkOnlyLoad.medianMs)} / ${ms(r.sdkOnlyLoad.minMs)}`,
    `${ms(r.ownCodeMs)}${r.meetsTargets.ownCodeMs ? '' : ' !'}`,
    r.sdkExternals.map((name) => name.replace('@aws-sdk/', '')).join(', '),
  ]);
  const nodeOptions = [...new Set(results.map((r) => r.nodeOptions))].map((o) => o || '(none)').join(', ');
  const targets =
    `targets: bundle < ${kb(COLD_START_TARGETS.maxBundleBytes)}: ${count(results, (r) => r.meetsTargets.bundleBytes)}; ` +
    `own code < ${COLD_START_TARGETS.maxOwnCodeMs} ms: ${count(results, (r) => r.meetsTargets.ownCodeMs)} (! = missed)`;
  return [...alignColumns([header, ...rows]), targets, `loaded with NODE_OPTIONS as deployed: ${nodeOptions}`].join('\n');
}

export function formatTopInputs(result: ColdStartMeasurement): string {
  const lines = result.topInputs.map(({ input, bytes }) => `  ${kb(bytes).padStart(9)}  ${input}`);
  return [`biggest inputs of ${result.name} (${kb(result.bundleBytes)}):`, ...lines].join('\n');
}

function alignColumns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

function count(results: readonly ColdStartMeasurement[], met: (r: ColdStartMeasurement) => boolean): string {
  return `${results.filter(met).length}/${results.length} met`;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function ms(value: number): string {
  return value.toFixed(1);
}

if (require.main === module) {
  const started = performance.now();
  const runs = process.argv[2] ? Number(process.argv[2]) : undefined;
  measureColdStart({ runs, log: (line) => process.stderr.write(`cold-start: ${line}\n`) })
    .then((results) => {
      const biggest = [...results].sort((a, b) => b.bundleBytes - a.bundleBytes)[0];
      console.log(formatColdStartTable(results));
      if (biggest) console.log(`\n${formatTopInputs(biggest)}`);
      console.log(`\nmeasured in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
