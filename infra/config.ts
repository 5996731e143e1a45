import { isKnownVendor } from '../lambda/vendors';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { z } from 'zod';
import { type RotationScheduleSetting, rotationScheduleProblem } from './device-password-rotator';

/**
 * Configuration of the CDK app, without code. Read from, in this order:
 * 1. the context key `rotator` (an object in cdk.json / cdk.context.json, or JSON text: `-c rotator='{"secrets":[]}'`);
 * 2. the file named by the context key `rotatorConfig` or the environment variable `ROTATOR_CONFIG`
 *    (relative to the working directory); it must exist;
 * 3. `rotator.config.json` at the repository root, if it exists.
 * With none of them, the app deploys the machinery with no secrets (see `rotator.config.example.json`).
 */
export const DEFAULT_CONFIG_FILE = 'rotator.config.json';
export const CONFIG_CONTEXT_KEY = 'rotator';
export const CONFIG_PATH_CONTEXT_KEY = 'rotatorConfig';
export const CONFIG_PATH_ENV = 'ROTATOR_CONFIG';

/** Validated configuration, with schedules already turned into what the construct takes. */
export interface RotatorConfig {
  /** CloudFormation stack name. Default: `DevicePasswordRotator`. */
  readonly stackName?: string;
  /** Where the stack goes. Default: the account and region of the secrets (none: environment-agnostic). */
  readonly env?: { readonly account: string; readonly region: string };
  /** The device secrets to rotate (may be empty). */
  readonly secrets: readonly { readonly arn: string; readonly schedule?: RotationScheduleSetting; readonly vendor?: string }[];
  /** Secrets the device functions may read but nothing rotates or writes (e.g. an admin account's). */
  readonly privilegedSecretArns?: readonly string[];
  /** Schedule of the secrets that set none. Default: every 30 days. */
  readonly schedule?: RotationScheduleSetting;
  /** An existing VPC to run the functions in, described fully so that synth needs no AWS lookup. */
  readonly vpc?: {
    readonly vpcId: string;
    readonly availabilityZones: readonly string[];
    readonly privateSubnetIds: readonly string[];
    /** One of `privateSubnetIds` for the conversation vendors' device functions (one egress address). */
    readonly singleEgressSubnetId?: string;
    readonly securityGroupIds?: readonly string[];
  };
  /** Create interface endpoints for Secrets Manager, Step Functions and KMS in the VPC. Default: false. */
  readonly createVpcEndpoints?: boolean;
  /** ARN of the customer-managed key for the state machine, logs and sealing. Default: a new key. */
  readonly encryptionKeyArn?: string;
  /** ARN of the customer-managed key the device secrets are encrypted with, if any. */
  readonly secretsKeyArn?: string;
  /** Enrollment by tag (README "Enrolling devices by tag"). Default: off. */
  readonly enrollment?: { readonly tagKey?: string; readonly rotateEveryDays?: number; readonly reconcileEveryHours?: number };
  /** The heartbeat (README "Heartbeat (drift detection)"). Default: `{ "enabled": true, "everyDays": 1 }`. */
  readonly heartbeat?: { readonly enabled?: boolean; readonly everyDays?: number };
  /** Notifications, alarms and the dashboard (README "Alarms and notifications"). Default: all on. */
  readonly monitoring?: MonitoringConfig;
}

/** The `monitoring` field: each part on by default. */
export interface MonitoringConfig {
  readonly notifications?: boolean;
  readonly alarms?: boolean;
  readonly dashboard?: boolean;
  /** An existing topic to notify instead of a new one. */
  readonly topicArn?: string;
  readonly pendingRotationThresholdHours?: number;
  readonly pendingRotationScanIntervalMinutes?: number;
  readonly throttledCallsThreshold?: number;
}

export interface LoadedConfig {
  /** Undefined when no configuration was found (the app then has no secrets). */
  readonly config: RotatorConfig | undefined;
  /** Where it came from: a file path, `context "rotator"`, or `none`. */
  readonly source: string;
}

/** A configuration that cannot be used. `issues` each start with the field they are about. */
export class RotatorConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid rotator configuration (${source}):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'RotatorConfigError';
  }
}

// ---- schema ----------------------------------------------------------------------------------------------------

const PARTITION = 'aws(?:-[a-z]+)*';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+';
const SECRET_ARN = new RegExp(`^arn:(${PARTITION}):secretsmanager:(${REGION}):(\\d{12}):secret:([A-Za-z0-9/_+=.@-]{1,512})$`);
const KEY_ARN = new RegExp(`^arn:(${PARTITION}):kms:(${REGION}):(\\d{12}):key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`);

const secretArn = z
  .string()
  .regex(SECRET_ARN, { error: 'must be a Secrets Manager secret ARN: arn:<partition>:secretsmanager:<region>:<account>:secret:<name>' });
const keyArn = z
  .string()
  .regex(KEY_ARN, { error: 'must be a KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<key id> (not an alias)' });

/** "3h", "3 hours", "1 hour". */
function parseWindow(text: string): Duration | undefined {
  const m = /^(\d+)\s*(?:h|hours?)$/.exec(text.trim());
  return m ? Duration.hours(Number(m[1])) : undefined;
}

/** "30 days", "1 day", "12 hours" → Duration; "rate(...)"/"cron(...)" → expression. */
function parseScheduleText(text: string): RotationScheduleSetting | undefined {
  const trimmed = text.trim();
  if (/^(rate|cron)\(/.test(trimmed)) return trimmed;
  const m = /^(\d+)\s*(day|days|hour|hours)$/.exec(trimmed);
  if (!m) return undefined;
  return m[2]!.startsWith('day') ? Duration.days(Number(m[1])) : Duration.hours(Number(m[1]));
}

const SCHEDULE_FORMS =
  'must be "<n> days", "<n> hours", "rate(...)", "cron(...)", or { "expression": "rate(...)|cron(...)", "window": "<n>h" }';

const schedule = z
  .union([z.string(), z.strictObject({ expression: z.string(), window: z.string().optional() })], { error: SCHEDULE_FORMS })
  .transform((value, ctx): RotationScheduleSetting => {
    let setting: RotationScheduleSetting | undefined;
    if (typeof value === 'string') {
      setting = parseScheduleText(value);
      if (setting === undefined) {
        ctx.addIssue({ code: 'custom', message: `${SCHEDULE_FORMS}, got "${value}"` });
        return z.NEVER;
      }
    } else {
      const window = value.window === undefined ? undefined : parseWindow(value.window);
      if (value.window !== undefined && window === undefined) {
        ctx.addIssue({ code: 'custom', message: `window must be a number of hours such as "3h", got "${value.window}"` });
        return z.NEVER;
      }
      setting = { expression: value.expression, window };
    }
    const problem = rotationScheduleProblem(setting);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return setting;
  });

const configSchema = z
  .strictObject({
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'must start with a letter and hold only letters, digits and -, 128 at most' })
      .optional(),
    env: z
      .strictObject({
        account: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }),
        region: z.string().regex(new RegExp(`^${REGION}$`), { error: 'must be an AWS region such as eu-west-1' }),
      })
      .optional(),
    secrets: z.array(z.strictObject({ arn: secretArn, schedule: schedule.optional(), vendor: z.string().refine(isKnownVendor, { error: 'must be a vendor this rotator knows' }).optional() })),
    privilegedSecretArns: z.array(secretArn).optional(),
    schedule: schedule.optional(),
    enrollment: z
      .strictObject({
        tagKey: z.string().regex(/^[\w.:/=+\-@]{1,120}$/, { error: 'must be a tag key (letters, digits and _.:/=+-@, at most 120)' }).optional(),
        rotateEveryDays: z.number().int().min(1).max(365).optional(),
        reconcileEveryHours: z.number().int().min(1).max(168).optional(),
      })
      .optional(),
    heartbeat: z.strictObject({ enabled: z.boolean().optional(), everyDays: z.number().int().min(1).max(365).optional() }).optional(),
    vpc: z
      .strictObject({
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: 'must be a VPC id (vpc-…)' }),
        availabilityZones: z
          .array(z.string().regex(/^[a-z]{2}(-[a-z0-9]+)+$/, { error: 'must be an availability zone name such as eu-west-1a' }))
          .min(1, { error: 'must name at least one availability zone' }),
        privateSubnetIds: z
          .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'must be a subnet id (subnet-…)' }))
          .min(1, { error: 'must name at least one subnet' }),
        singleEgressSubnetId: z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'must be a subnet id (subnet-…)' }).optional(),
        securityGroupIds: z
          .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, { error: 'must be a security group id (sg-…)' }))
          .min(1, { error: 'must name at least one security group, or be left out' })
          .optional(),
      })
      .optional(),
    createVpcEndpoints: z.boolean().optional(),
    monitoring: z
      .strictObject({
        notifications: z.boolean().optional(),
        alarms: z.boolean().optional(),
        dashboard: z.boolean().optional(),
        topicArn: z
          .string()
          .regex(new RegExp(`^arn:${PARTITION}:sns:${REGION}:\\d{12}:[A-Za-z0-9_-]{1,256}$`), { error: 'must be an SNS topic ARN: arn:<partition>:sns:<region>:<account>:<name>' })
          .optional(),
        pendingRotationThresholdHours: z.number().int().min(1).max(720).optional(),
        pendingRotationScanIntervalMinutes: z.number().int().min(5).max(1440).optional(),
        throttledCallsThreshold: z.number().int().min(0).optional(),
      })
      .optional(),
    encryptionKeyArn: keyArn.optional(),
    secretsKeyArn: keyArn.optional(),
  })
  .superRefine((config, ctx) => {
    const issue = (pathParts: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path: pathParts, message });
    if (config.createVpcEndpoints && !config.vpc) issue(['createVpcEndpoints'], 'needs a vpc');
    if (config.vpc && config.vpc.privateSubnetIds.length % config.vpc.availabilityZones.length !== 0) {
      issue(
        ['vpc', 'privateSubnetIds'],
        `must list the same number of subnets for each availability zone, in availabilityZones order (${config.vpc.privateSubnetIds.length} subnets for ${config.vpc.availabilityZones.length} zones)`,
      );
    }
    if (config.vpc?.singleEgressSubnetId !== undefined && !config.vpc.privateSubnetIds.includes(config.vpc.singleEgressSubnetId)) {
      issue(['vpc', 'singleEgressSubnetId'], 'must be one of vpc.privateSubnetIds (the conversation steps leave from that subnet alone)');
    }

    // Everything is used from the stack's account and region: a rotation schedule lives in the secret's account
    // and region and calls a function of that region.
    const where = config.env ?? placeOf(config.secrets[0]?.arn);
    const seen = new Map<string, string>();
    const check = (pathParts: (string | number)[], arn: string, kind: 'rotated' | 'read') => {
      const place = placeOf(arn);
      if (place === undefined) return;
      const name = secretIdentity(arn);
      const other = seen.get(name);
      if (other !== undefined) issue(pathParts, `is the same secret as ${other}`);
      else seen.set(name, fieldName(pathParts));
      if (where === undefined) return;
      const origin = config.env ? 'env' : 'secrets[0]';
      if (place.region !== where.region) issue(pathParts, `is in region ${place.region}, not ${where.region} (${origin}.region)`);
      else if (kind === 'rotated' && place.account !== where.account) {
        issue(pathParts, `is in account ${place.account}, not ${where.account} (${origin}.account): a secret is rotated from its own account`);
      }
    };
    config.secrets.forEach((s, i) => check(['secrets', i, 'arn'], s.arn, 'rotated'));
    config.privilegedSecretArns?.forEach((arn, i) => check(['privilegedSecretArns', i], arn, 'read'));
    for (const field of ['encryptionKeyArn', 'secretsKeyArn'] as const) {
      const arn = config[field];
      const region = arn?.split(':')[3];
      if (where !== undefined && region !== undefined && region !== where.region) {
        issue([field], `is in region ${region}, not ${where.region}: KMS keys are regional`);
      }
    }
  });

function placeOf(arn: string | undefined): { account: string; region: string } | undefined {
  const m = arn === undefined ? null : SECRET_ARN.exec(arn);
  return m ? { region: m[2]!, account: m[3]! } : undefined;
}

/** A secret's ARN without the random suffix, so that a complete and a partial ARN of one secret compare equal. */
function secretIdentity(arn: string): string {
  return arn.replace(/-[A-Za-z0-9]{6}$/, '');
}

function fieldName(pathParts: readonly PropertyKey[]): string {
  return pathParts
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

// ---- parsing and loading -----------------------------------------------------------------------------------------

/**
 * Validates a configuration object.
 * @throws RotatorConfigError naming every bad field
 */
export function parseRotatorConfig(raw: unknown, source: string): RotatorConfig {
  const result = configSchema.safeParse(raw, {
    error: (iss) => (iss.code === 'invalid_type' && iss.input === undefined ? 'is required' : undefined),
  });
  if (result.success) {
    const config = result.data;
    const env = config.env ?? placeOf(config.secrets[0]?.arn);
    return { ...config, ...(env ? { env } : {}) };
  }
  const issues = result.error.issues.map((iss) => {
    if (iss.code === 'unrecognized_keys') {
      const where = iss.path.length > 0 ? `${fieldName(iss.path)}: ` : '';
      return `${where}unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${iss.path.length > 0 ? fieldName(iss.path) : '(top level)'}: ${iss.message}`;
  });
  throw new RotatorConfigError(source, issues);
}

export interface LoadOptions {
  /** Reads a context value (`app.node.tryGetContext`). */
  readonly context: (key: string) => unknown;
  /** Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where `rotator.config.json` is looked for. Default: the repository root. */
  readonly rootDir?: string;
  /** What relative paths are resolved against. Default: `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * Finds and validates the configuration.
 * @throws RotatorConfigError when it is invalid, unreadable, or named but missing
 */
export function loadRotatorConfig(options: LoadOptions): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const inline = options.context(CONFIG_CONTEXT_KEY);
  const namedPath = options.context(CONFIG_PATH_CONTEXT_KEY) ?? env[CONFIG_PATH_ENV];

  if (inline !== undefined) {
    const source = `context "${CONFIG_CONTEXT_KEY}"`;
    if (namedPath !== undefined) {
      throw new RotatorConfigError(source, [`give the configuration inline or as a file (${String(namedPath)}), not both`]);
    }
    return { config: parseRotatorConfig(typeof inline === 'string' ? parseJson(inline, source) : inline, source), source };
  }
  if (namedPath !== undefined) {
    if (typeof namedPath !== 'string' || namedPath === '') {
      throw new RotatorConfigError(`context "${CONFIG_PATH_CONTEXT_KEY}"`, ['must be a file path']);
    }
    const file = path.resolve(cwd, namedPath);
    if (!fs.existsSync(file)) throw new RotatorConfigError(namedPath, [`the configuration file ${file} does not exist`]);
    return { config: parseRotatorConfig(readJson(file, namedPath), namedPath), source: namedPath };
  }
  const file = path.join(options.rootDir ?? path.resolve(__dirname, '..'), DEFAULT_CONFIG_FILE);
  if (!fs.existsSync(file)) return { config: undefined, source: 'none' };
  return { config: parseRotatorConfig(readJson(file, DEFAULT_CONFIG_FILE), DEFAULT_CONFIG_FILE), source: DEFAULT_CONFIG_FILE };
}

function readJson(file: string, source: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new RotatorConfigError(source, [`cannot read ${file}: ${(error as Error).message}`]);
  }
  return parseJson(text, source);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RotatorConfigError(source, [`is not valid JSON: ${(error as Error).message}`]);
  }
}
