import * as path from 'node:path';
import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { VENDORS, type Vendor } from '../lambda/device/types';
import { buildRotationWorkflow, type WorkflowSurface } from './rotation-workflow';

/** Repository root: the handlers' entry files and the lock file NodejsFunction bundles against are found from here. */
const PROJECT_ROOT = path.resolve(__dirname, '..');

/** `POWERTOOLS_SERVICE_NAME` of every function. */
export const SERVICE_NAME = 'device-password-rotator';

/**
 * The seal key (`SEAL_KEY_ID`) encrypts and decrypts for a device function only when the request's encryption context
 * has `purpose` = this value, `secretArn` = one of the rotated secrets and `execution` = an execution of this state
 * machine (what `lambda/aws/seal.ts` sends).
 */
export const SEAL_PURPOSE = 'device-session';

// ------------------------------------------------------------------------------------------------------------------
// Rotation schedules
// ------------------------------------------------------------------------------------------------------------------

/**
 * A rotation schedule given as an expression, with an optional rotation window.
 *
 * Secrets Manager schedules are in UTC and may rotate as often as every 4 hours.
 */
export interface RotationScheduleExpression {
  /**
   * `rate(<n> hours|days)` (at least 4 hours, at most 999 days) or
   * `cron(0 <hours> <day-of-month> <month> <day-of-week> *)` (minutes must be 0, year must be `*`).
   */
  readonly expression: string;
  /**
   * How long the rotation window stays open, in whole hours (at least 1 hour).
   * It may not run into the next UTC day nor into the next rotation window.
   *
   * @default - Secrets Manager's default: 1 hour for a schedule in hours, the rest of the UTC day for a schedule in days
   */
  readonly window?: Duration;
}

/**
 * How often a secret is rotated:
 * - a `Duration`: rotate that long after the previous rotation (whole days become `AutomaticallyAfterDays`;
 *   4 to 23 hours become `rate(<n> hours)`);
 * - an expression string (`rate(...)` or `cron(...)`), or an expression with a rotation window.
 */
export type RotationScheduleSetting = Duration | string | RotationScheduleExpression;

/** The default schedule: every 30 days. */
export const DEFAULT_ROTATION_SCHEDULE: RotationScheduleSetting = Duration.days(30);

const MIN_INTERVAL_HOURS = 4;

/**
 * Checks a rotation schedule against what Secrets Manager accepts.
 * @returns the problem, worded to follow the name of the field, or undefined when the schedule is valid
 */
export function rotationScheduleProblem(schedule: RotationScheduleSetting): string | undefined {
  try {
    renderRotationRules(schedule);
    return undefined;
  } catch (error) {
    if (error instanceof RotationScheduleError) return error.problem;
    throw error;
  }
}

/** A schedule Secrets Manager would refuse. `problem` reads after the field's name: "schedule: <problem>". */
export class RotationScheduleError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'RotationScheduleError';
  }
}

/**
 * Renders a schedule as CloudFormation `RotationRules`.
 * @throws RotationScheduleError when Secrets Manager would refuse the schedule
 */
export function renderRotationRules(
  schedule: RotationScheduleSetting,
): secretsmanager.CfnRotationSchedule.RotationRulesProperty {
  if (schedule instanceof Duration) return renderDuration(schedule);
  const { expression, window } = typeof schedule === 'string' ? { expression: schedule, window: undefined } : schedule;
  if (typeof expression !== 'string') {
    throw new RotationScheduleError('must be a Duration, an expression string, or { expression, window? }');
  }
  const windowHours = window === undefined ? undefined : windowInHours(window);
  if (Token.isUnresolved(expression)) {
    return { scheduleExpression: expression, duration: windowHours === undefined ? undefined : `${windowHours}h` };
  }
  checkExpression(expression.trim(), windowHours);
  return {
    scheduleExpression: expression.trim(),
    duration: windowHours === undefined ? undefined : `${windowHours}h`,
  };
}

function renderDuration(duration: Duration): secretsmanager.CfnRotationSchedule.RotationRulesProperty {
  if (Token.isUnresolved(duration.toSeconds())) {
    throw new RotationScheduleError('a Duration schedule must be a known value, not a token');
  }
  const seconds = duration.toSeconds();
  if (seconds % 3600 !== 0) {
    throw new RotationScheduleError(`must be a whole number of hours, got ${duration.toHumanString()}`);
  }
  const hours = seconds / 3600;
  if (hours < MIN_INTERVAL_HOURS) {
    throw new RotationScheduleError(
      `must be at least ${MIN_INTERVAL_HOURS} hours (Secrets Manager rotates at most every 4 hours), got ${duration.toHumanString()}`,
    );
  }
  if (hours % 24 === 0) {
    const days = hours / 24;
    if (days > 1000) throw new RotationScheduleError(`must be at most 1000 days, got ${days} days`);
    return { automaticallyAfterDays: days };
  }
  if (hours < 24) return { scheduleExpression: `rate(${hours} hours)` };
  throw new RotationScheduleError(
    `must be whole days or 4 to 23 hours, got ${duration.toHumanString()}; use a cron() expression for other intervals`,
  );
}

function windowInHours(window: Duration): number {
  if (!(window instanceof Duration)) throw new RotationScheduleError('window must be a Duration');
  if (Token.isUnresolved(window.toSeconds())) throw new RotationScheduleError('window must be a known value, not a token');
  const seconds = window.toSeconds();
  if (seconds % 3600 !== 0 || seconds < 3600 || seconds > 24 * 3600) {
    throw new RotationScheduleError(`window must be a whole number of hours from 1 to 24, got ${window.toHumanString()}`);
  }
  return seconds / 3600;
}

function checkExpression(expression: string, windowHours: number | undefined): void {
  const rate = /^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (unit.startsWith('hour')) {
      if (value < MIN_INTERVAL_HOURS || value > 23) {
        throw new RotationScheduleError(
          `"${expression}": a rate in hours must be 4 to 23 hours (Secrets Manager rotates at most every 4 hours; use days beyond that)`,
        );
      }
      if (windowHours !== undefined && windowHours > value) {
        throw new RotationScheduleError(
          `"${expression}": the ${windowHours}h window would run into the next rotation window (at most ${value}h)`,
        );
      }
    } else if (value < 1 || value > 999) {
      throw new RotationScheduleError(`"${expression}": a rate in days must be 1 to 999 days`);
    }
    // A rate in days opens its window at midnight UTC: any window up to 24h stays within the day.
    return;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) {
    throw new RotationScheduleError(
      `"${expression}" is not a schedule: expected rate(<n> hours|days), cron(0 <hours> <day-of-month> <month> <day-of-week> *), or a Duration`,
    );
  }
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new RotationScheduleError(
      `"${expression}": a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [minutes, hoursField, dayOfMonth, , dayOfWeek, year] = fields as [string, string, string, string, string, string];
  if (minutes !== '0') {
    throw new RotationScheduleError(`"${expression}": the minutes field must be 0 (rotation windows open on the hour)`);
  }
  if (year !== '*') {
    throw new RotationScheduleError(`"${expression}": the year field must be *`);
  }
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    throw new RotationScheduleError(`"${expression}": one of day-of-month and day-of-week must be ?`);
  }
  const hours = cronHours(hoursField);
  if (hours === undefined) {
    throw new RotationScheduleError(`"${expression}": cannot read the hours field "${hoursField}" (expected 0-23, lists, ranges or steps)`);
  }
  // Hours between window openings within a day; the last window of the day may not run past midnight.
  const gaps = hours.map((hour, i) => (i + 1 < hours.length ? hours[i + 1]! : 24) - hour);
  const openings = hours.slice(1).map((hour, i) => hour - hours[i]!);
  const daily = ['*', '?'].includes(dayOfMonth) && ['*', '?'].includes(dayOfWeek);
  // On a daily schedule the hours field restarts every day: the last opening is followed by tomorrow's first.
  if (daily && hours.length > 1) openings.push(24 - hours[hours.length - 1]! + hours[0]!);
  const closestGap = Math.min(...openings, Number.POSITIVE_INFINITY);
  if (closestGap < MIN_INTERVAL_HOURS) {
    throw new RotationScheduleError(
      `"${expression}" rotates more often than every 4 hours (windows open ${closestGap}h apart)`,
    );
  }
  if (windowHours !== undefined) {
    const tightest = Math.min(...gaps);
    if (windowHours > tightest) {
      throw new RotationScheduleError(
        `"${expression}": the ${windowHours}h window would run into the next rotation window or the next UTC day (at most ${tightest}h)`,
      );
    }
  }
}

/** The hours (0-23, sorted) at which a cron hours field opens a window, or undefined if it cannot be read. */
function cronHours(field: string): number[] | undefined {
  const hours = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|\d{1,2}(?:-\d{1,2})?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) return undefined;
    const [from, to] = m[1] === '*' ? [0, 23] : m[1]!.includes('-') ? m[1]!.split('-').map(Number) : [Number(m[1]), m[2] ? 23 : Number(m[1])];
    const step = m[2] ? Number(m[2]) : 1;
    if (from === undefined || to === undefined || from > 23 || to > 23 || from > to || step < 1) return undefined;
    for (let hour = from; hour <= to; hour += step) hours.add(hour);
  }
  return [...hours].sort((a, b) => a - b);
}

// ------------------------------------------------------------------------------------------------------------------
// The construct
// ------------------------------------------------------------------------------------------------------------------

/** A device secret and, optionally, its own rotation schedule. */
export interface DeviceSecret {
  /** The secret holding a device's admin credentials. */
  readonly secret: secretsmanager.ISecret;
  /**
   * How often this secret is rotated.
   *
   * @default - the construct's `schedule`
   */
  readonly schedule?: RotationScheduleSetting;
}

/** Properties of a `DevicePasswordRotator`. */
export interface DevicePasswordRotatorProps {
  /**
   * The device secrets to rotate. Each gets a rotation schedule that points at the rotation function.
   * A secret may appear only once. An empty list deploys the machinery without rotating anything.
   */
  readonly secrets: readonly DeviceSecret[];

  /**
   * The schedule of every secret that does not set its own.
   *
   * @default Duration.days(30)
   */
  readonly schedule?: RotationScheduleSetting;

  /**
   * Whether Secrets Manager rotates a secret as soon as its schedule is created or changed.
   * When false, creating or changing a schedule only runs the `testSecret` step (it checks the
   * configuration and changes no device); the first real rotation happens in the first window.
   *
   * @default false
   */
  readonly rotateImmediatelyOnUpdate?: boolean;

  /**
   * Privileged secrets (e.g. an admin account that sets other accounts' passwords). The device
   * functions may read them; nothing here may write them, and they are not rotated.
   *
   * @default - none
   */
  readonly privilegedSecrets?: readonly secretsmanager.ISecret[];

  /**
   * The VPC the device functions and the rotation function run in.
   *
   * A function in a VPC has no route to AWS APIs of its own: the subnets need a route to Secrets Manager,
   * Step Functions and KMS, through interface VPC endpoints (see `createVpcEndpoints`) or a NAT gateway.
   * Without one, rotations time out with no other sign of what is wrong. The device functions also need
   * a route to the devices.
   *
   * @default - the functions do not run in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in `vpc` the functions run.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the functions in `vpc`.
   *
   * @default - one security group per function, allowing all outbound traffic
   */
  readonly securityGroups?: readonly ec2.ISecurityGroup[];

  /**
   * Creates interface VPC endpoints for Secrets Manager, Step Functions and KMS in `vpcSubnets`, with private DNS,
   * reachable on 443 from the functions' security groups only. Leave it off when the VPC already has endpoints
   * for these services (private DNS names cannot be claimed twice) or a NAT gateway.
   *
   * @default false
   */
  readonly createVpcEndpoints?: boolean;

  /**
   * The customer-managed key that encrypts the state machine (definition and execution history), its log group and
   * the functions' log groups, and that the device functions use to seal device session data passed between states.
   * A key given here must have a key policy that lets CloudWatch Logs use it for these log groups.
   *
   * @default - a new key, with automatic rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The customer-managed key the device secrets are encrypted with, if any. The device functions may decrypt with it
   * and the rotation function may also encrypt with it, in both cases only through Secrets Manager and only for the
   * secrets given here. Keys attached to the `ISecret`s themselves (`secret.encryptionKey`) are granted the same way.
   *
   * @default - the secrets use the AWS managed key `aws/secretsmanager`
   */
  readonly secretsKey?: kms.IKey;

  /**
   * The rotation state machine's name. It is fixed so that its ARN is known before it exists (see `stateMachineArn`),
   * and it must be unique in the account and region. The console state machine is named the same with `-console`.
   *
   * @default - a name made from the stack name and this construct's path
   */
  readonly stateMachineName?: string;

  /**
   * What happens to the device ledger table (failed-login budgets and leases of every rotated account) when it leaves
   * the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly ledgerRemovalPolicy?: RemovalPolicy;

  /**
   * The longest a rotation execution may run.
   *
   * @default Duration.hours(1)
   */
  readonly stateMachineTimeout?: Duration;

  /**
   * Memory of each function, in MB.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * How often the rotation function, waiting in setSecret and testSecret, asks whether its execution has ended
   * (DescribeExecution). Shorter ends each step sooner after its execution does (on average by half the interval),
   * at the cost of more DescribeExecution calls, which the account's Step Functions API quota bounds.
   *
   * @default Duration.seconds(2)
   */
  readonly executionPollInterval?: Duration;

  /**
   * How long the log groups keep their events.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups when they leave the stack. They have fixed names (the key policy names them),
   * so re-creating a deleted stack fails while retained log groups of the same name still exist.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

interface SecretRef {
  readonly secret: secretsmanager.ISecret;
  /** The ARN(s) IAM policies name: the full ARN, or the partial ARN followed by `-??????`. */
  readonly policyArn: string;
  /** Whether `policyArn` ends with the `-??????` wildcard. */
  readonly partial: boolean;
  /** The full ARN, or the partial ARN without the wildcard: how the device functions recognise a configured secret. */
  readonly configuredArn: string;
}

/**
 * Rotates the admin passwords of network devices stored in Secrets Manager.
 *
 * Secrets Manager calls the rotation function on each secret's schedule; its `setSecret` step starts a Standard
 * state machine that drives the vendor's device function through the password change, and waits for it.
 */
export class DevicePasswordRotator extends Construct {
  /** The rotation function's workflow (Standard): `set` and `test`. Only the rotation function may start it. */
  public readonly stateMachine: sfn.StateMachine;
  /** The operators' workflow (Standard): `rotate` and `verify`. Grant it with `grantConsole`. */
  public readonly consoleStateMachine: sfn.StateMachine;
  /** The device ledger: per rotated account, the failed-login budget and the lease of the execution changing it. */
  public readonly ledgerTable: dynamodb.Table;
  /** The Secrets Manager rotation function. It also serves state-machine tasks. */
  public readonly rotationFunction: lambda.Function;
  /** One function per vendor: the only code that talks to devices. */
  public readonly deviceFunctions: Readonly<Record<Vendor, lambda.Function>>;
  /** The key of the state machine, the log groups and sealed device sessions. */
  public readonly encryptionKey: kms.IKey;
  /** The rotation state machine's ARN, known before the state machine exists. */
  public readonly stateMachineArn: string;
  /** The console state machine's ARN. */
  public readonly consoleStateMachineArn: string;
  /** The interface endpoints created when `createVpcEndpoints` is set. */
  public readonly vpcEndpoints: readonly ec2.InterfaceVpcEndpoint[];

  constructor(scope: Construct, id: string, props: DevicePasswordRotatorProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // ---- inputs ------------------------------------------------------------------------------------------------
    if (props.createVpcEndpoints && !props.vpc) {
      throw new Error(`${this.node.path}: createVpcEndpoints needs a vpc`);
    }
    if ((props.vpcSubnets || props.securityGroups) && !props.vpc) {
      throw new Error(`${this.node.path}: vpcSubnets and securityGroups need a vpc`);
    }
    const defaultSchedule = props.schedule ?? DEFAULT_ROTATION_SCHEDULE;
    const rotated = props.secrets.map((entry, i) => ({
      ref: secretRef(entry.secret),
      rules: rulesOrThrow(entry.schedule ?? defaultSchedule, entry.schedule ? `secrets[${i}].schedule` : 'schedule', this),
    }));
    const privileged = (props.privilegedSecrets ?? []).map(secretRef);
    rejectDuplicates([...rotated.map((r) => r.ref), ...privileged], this);

    const stateMachineName = props.stateMachineName ?? Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    if (!Token.isUnresolved(stateMachineName) && !/^[A-Za-z0-9_-]{1,80}$/.test(stateMachineName)) {
      throw new Error(`${this.node.path}: stateMachineName must be 1-80 letters, digits, - or _, got "${stateMachineName}"`);
    }

    // ---- the ARN cycle --------------------------------------------------------------------------------------------
    // The state machine invokes the rotation function (its definition holds the function ARN), and the rotation
    // function starts the state machine (its environment and role policy hold the state machine ARN). Referencing
    // `stateMachine.stateMachineArn` would make each resource depend on the other. A fixed name makes the ARN a
    // plain string of pseudo parameters, known before the state machine exists, so nothing refers back to it.
    const consoleStateMachineName = `${stateMachineName}-console`;
    const machineArn = (name: string) => stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const executionsOf = (name: string) =>
      stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.stateMachineArn = machineArn(stateMachineName);
    this.consoleStateMachineArn = machineArn(consoleStateMachineName);
    const executionsArn = executionsOf(stateMachineName);
    const consoleExecutionsArn = executionsOf(consoleStateMachineName);

    // ---- key and log groups -----------------------------------------------------------------------------------
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'EncryptionKey', {
        description: `Device password rotator ${stateMachineName}: state machine, logs and sealed device sessions`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });

    const logGroupNames = {
      stateMachine: `/aws/vendedlogs/states/${stateMachineName}`,
      consoleStateMachine: `/aws/vendedlogs/states/${consoleStateMachineName}`,
      rotation: `/${SERVICE_NAME}/${stateMachineName}/rotation`,
      device: (vendor: Vendor) => `/${SERVICE_NAME}/${stateMachineName}/device/${vendor}`,
    };
    const allLogGroupNames = [logGroupNames.stateMachine, logGroupNames.consoleStateMachine, logGroupNames.rotation, ...VENDORS.map(logGroupNames.device)];
    // CloudWatch Logs encrypts with the key only for these log groups (no effect on a key given by ARN).
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsForTheRotatorLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': allLogGroupNames.map((name) =>
              stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
            ),
          },
        },
      }),
    );
    const logGroup = (logicalId: string, logGroupName: string) =>
      new logs.LogGroup(this, logicalId, {
        logGroupName,
        encryptionKey: this.encryptionKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      });

    // ---- device ledger -------------------------------------------------------------------------------------------
    this.ledgerTable = new dynamodb.Table(this, 'DeviceLedger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.ledgerRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // ---- functions ----------------------------------------------------------------------------------------------
    const vpcProps: Partial<nodejs.NodejsFunctionProps> = props.vpc
      ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups ? [...props.securityGroups] : undefined }
      : {};
    const makeFunction = (logicalId: string, options: {
      entry: string;
      kind: string;
      description: string;
      timeout: Duration;
      environment: Record<string, string>;
      logGroupName: string;
    }) => {
      const role = new iam.Role(this, `${logicalId}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${options.description} (execution role)`,
      });
      const fnLogGroup = logGroup(`${logicalId}Logs`, options.logGroupName);
      fnLogGroup.grantWrite(role);
      if (props.vpc) {
        // What AWSLambdaVPCAccessExecutionRole grants, without its logs:* on every log group.
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'LambdaVpcNetworkInterfaces',
            actions: [
              'ec2:CreateNetworkInterface',
              'ec2:DescribeNetworkInterfaces',
              'ec2:DescribeSubnets',
              'ec2:DeleteNetworkInterface',
              'ec2:AssignPrivateIpAddresses',
              'ec2:UnassignPrivateIpAddresses',
            ],
            resources: ['*'],
          }),
        );
      }
      const fn = new nodejs.NodejsFunction(this, logicalId, {
        entry: path.join(PROJECT_ROOT, options.entry),
        handler: 'handler',
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        description: options.description,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: props.memorySize ?? 256,
        timeout: options.timeout,
        tracing: lambda.Tracing.ACTIVE,
        role,
        logGroup: fnLogGroup,
        environment: {
          FUNCTION_KIND: options.kind,
          POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
          LEDGER_TABLE: this.ledgerTable.tableName,
          ...options.environment,
        },
        bundling: {
          minify: true,
          // Error class names are what Step Functions matches in Retry and Catch: minification must not rename them.
          keepNames: true,
          sourceMap: true,
          target: 'node22',
          externalModules: ['@aws-sdk/*'],
          logLevel: nodejs.LogLevel.WARNING,
        },
        ...vpcProps,
      });
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime this project targets (esbuild target node22, dependencies checked against it); ' +
          'moving to Node.js 24 is a deliberate upgrade, not a deploy-time default.',
      });
      return fn;
    };

    this.rotationFunction = makeFunction('RotationFunction', {
      entry: 'lambda/handlers/rotation.ts',
      kind: 'rotation',
      description: 'Secrets Manager rotation function for device admin passwords; starts and awaits the rotation workflow',
      timeout: ROTATION_FUNCTION_TIMEOUT,
      environment: {
        STATE_MACHINE_ARN: this.stateMachineArn,
        LEASE_SECONDS: String((props.stateMachineTimeout ?? Duration.hours(1)).toSeconds()),
        EXECUTION_POLL_MS: String((props.executionPollInterval ?? Duration.seconds(2)).toMilliseconds()),
      },
      logGroupName: logGroupNames.rotation,
    });

    const deviceFunctions = {} as Record<Vendor, lambda.Function>;
    for (const vendor of VENDORS) {
      deviceFunctions[vendor] = makeFunction(`Device-${vendor}`, {
        entry: `lambda/handlers/device/${vendor}.ts`,
        kind: `device:${vendor}`,
        description: `Talks to ${vendor} devices for the password rotation workflow`,
        timeout: DEVICE_FUNCTION_TIMEOUT,
        environment: { SEAL_KEY_ID: this.encryptionKey.keyArn, PRIVILEGED_SECRETS: JSON.stringify(privileged.map((p) => p.configuredArn)) },
        logGroupName: logGroupNames.device(vendor),
      });
    }
    this.deviceFunctions = deviceFunctions;
    const allFunctions = [this.rotationFunction, ...Object.values(deviceFunctions)];

    // ---- permissions --------------------------------------------------------------------------------------------
    const rotatedArns = rotated.map((r) => r.ref.policyArn);
    const readableArns = [...rotatedArns, ...privileged.map((p) => p.policyArn)];
    const secretsKeys = uniqueKeys([
      props.secretsKey,
      ...props.secrets.map((s) => s.secret.encryptionKey),
      ...(props.privilegedSecrets ?? []).map((s) => s.encryptionKey),
    ]);
    const viaSecretsManager = (arns: string[]) => ({
      StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:SecretARN': arns },
    });

    // Rotation function: exactly the rotation protocol's calls, on exactly the rotated secrets.
    const rotationRole = this.rotationFunction.role!;
    if (rotatedArns.length > 0) {
      rotationRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'RotateTheDeviceSecrets',
          actions: [
            'secretsmanager:DescribeSecret',
            'secretsmanager:GetSecretValue',
            'secretsmanager:PutSecretValue',
            'secretsmanager:UpdateSecretVersionStage',
          ],
          resources: rotatedArns,
        }),
      );
      for (const key of secretsKeys) {
        rotationRole.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'UseTheSecretsKeyThroughSecretsManager',
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: [key.keyArn],
            conditions: viaSecretsManager(rotatedArns),
          }),
        );
      }
    }
    rotationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'GeneratePasswords',
        actions: ['secretsmanager:GetRandomPassword'],
        resources: ['*'],
      }),
    );
    rotationRole.addToPrincipalPolicy(
      // Only the rotation function may start the rotation state machine (set, test): nobody else is granted it.
      new iam.PolicyStatement({ sid: 'StartTheWorkflow', actions: ['states:StartExecution'], resources: [this.stateMachineArn] }),
    );
    rotationRole.addToPrincipalPolicy(
      // DescribeExecution of console executions too: a lease is taken over once its holder has ended.
      new iam.PolicyStatement({
        sid: 'AwaitTheWorkflow',
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        resources: [executionsArn, consoleExecutionsArn],
      }),
    );
    // With a customer-managed key, Step Functions encrypts an execution's input under the caller's identity and
    // decrypts its output for DescribeExecution the same way.
    rotationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WorkflowDataOfThisStateMachine',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': [this.stateMachineArn, this.consoleStateMachineArn] } },
      }),
    );
    // Secrets Manager may invoke it, for rotations of this account's secrets only (confused deputy).
    this.rotationFunction.addPermission('InvokedBySecretsManager', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: stack.account,
    });

    // Device functions: read the device secrets (and privileged ones), seal and unseal their own session data.
    for (const vendor of VENDORS) {
      const role = deviceFunctions[vendor].role!;
      if (readableArns.length > 0) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'ReadTheDeviceSecrets',
            actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            resources: readableArns,
          }),
        );
        for (const key of secretsKeys) {
          role.addToPrincipalPolicy(
            new iam.PolicyStatement({
              sid: 'DecryptTheSecretsThroughSecretsManager',
              actions: ['kms:Decrypt'],
              resources: [key.keyArn],
              conditions: viaSecretsManager(readableArns),
            }),
          );
        }
      }
      if (rotatedArns.length > 0) {
        // Session data sealed in one execution, for one secret, opens only there (the context seal.ts binds it to).
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'SealDeviceSessions',
            actions: ['kms:Encrypt', 'kms:Decrypt'],
            resources: [this.encryptionKey.keyArn],
            conditions: {
              StringEquals: { 'kms:EncryptionContext:purpose': SEAL_PURPOSE },
              StringLike: { 'kms:EncryptionContext:secretArn': rotatedArns, 'kms:EncryptionContext:execution': [executionsArn, consoleExecutionsArn] },
            },
          }),
        );
      }
    }

    // Every function reads and writes the ledger: one item per account, read-modify-write on its revision.
    for (const fn of allFunctions) {
      fn.role!.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'DeviceLedger', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [this.ledgerTable.tableArn] }),
      );
      fn.role!.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DeviceLedgerKeyThroughDynamoDB',
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:DescribeKey'],
          resources: [this.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } },
        }),
      );
    }

    // ---- state machines -------------------------------------------------------------------------------------------
    const stateMachine = (id: string, name: string, surface: WorkflowSurface, logGroupName: string) =>
      new sfn.StateMachine(this, id, {
        stateMachineName: name,
        stateMachineType: sfn.StateMachineType.STANDARD,
        comment: `device-password-rotator:${surface}`,
        definitionBody: sfn.DefinitionBody.fromChainable(
          buildRotationWorkflow(new Construct(this, surface === 'rotation' ? 'Workflow' : 'ConsoleWorkflow'), {
            rotationFunction: this.rotationFunction,
            deviceFunctions,
            surface,
            deviceFunctionTimeout: DEVICE_FUNCTION_TIMEOUT,
            rotationFunctionTimeout: ROTATION_FUNCTION_TIMEOUT,
          }),
        ),
        timeout: props.stateMachineTimeout ?? Duration.hours(1),
        tracingEnabled: true,
        logs: {
          destination: logGroup(`${id}Logs`, logGroupName),
          level: sfn.LogLevel.ALL,
          includeExecutionData: false,
        },
        encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(this.encryptionKey),
      });
    this.stateMachine = stateMachine('StateMachine', stateMachineName, 'rotation', logGroupNames.stateMachine);
    this.consoleStateMachine = stateMachine('ConsoleStateMachine', consoleStateMachineName, 'console', logGroupNames.consoleStateMachine);

    // ---- VPC endpoints --------------------------------------------------------------------------------------------
    const endpoints: ec2.InterfaceVpcEndpoint[] = [];
    if (props.vpc && props.createVpcEndpoints) {
      const services: [string, ec2.InterfaceVpcEndpointAwsService][] = [
        ['SecretsManagerEndpoint', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
        ['StepFunctionsEndpoint', ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS],
        ['KmsEndpoint', ec2.InterfaceVpcEndpointAwsService.KMS],
      ];
      for (const [endpointId, service] of services) {
        const endpoint = new ec2.InterfaceVpcEndpoint(this, endpointId, {
          vpc: props.vpc,
          service,
          subnets: props.vpcSubnets,
          privateDnsEnabled: true,
          open: false,
        });
        for (const fn of allFunctions) endpoint.connections.allowDefaultPortFrom(fn, 'HTTPS from the device password rotator functions');
        endpoints.push(endpoint);
      }
    }
    this.vpcEndpoints = endpoints;

    // ---- schedules ----------------------------------------------------------------------------------------------
    const invokePermission = this.rotationFunction.node.findChild('InvokedBySecretsManager');
    rotated.forEach(({ ref, rules }) => {
      const schedule = new secretsmanager.CfnRotationSchedule(this, `Rotation-${scheduleId(ref.secret)}`, {
        secretId: ref.secret.secretArn,
        rotationLambdaArn: this.rotationFunction.functionArn,
        rotationRules: rules,
        rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate ?? false,
      });
      // Enabling rotation runs the function (testSecret at least): everything it needs must exist first.
      schedule.node.addDependency(invokePermission, this.stateMachine, this.ledgerTable, ...allFunctions);
    });

    // ---- cdk-nag acknowledgements -----------------------------------------------------------------------------------
    const finding = (value: string) => flattenForNag(stack.resolve(value));
    for (const fn of allFunctions) {
      Validations.of(fn.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only actions without resource-level permissions use "*": xray:PutTraceSegments/PutTelemetryRecords (active tracing)' +
          (props.vpc ? ', the EC2 network-interface actions Lambda needs to run in a VPC' : '') +
          (fn === this.rotationFunction ? ', and secretsmanager:GetRandomPassword, which acts on no resource' : '') +
          '.',
      });
    }
    Validations.of(rotationRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${finding(executionsArn)}]`,
      reason:
        'states:DescribeExecution and GetExecutionHistory (to name the failed state) on the executions of this one state machine: execution names are chosen at run time ' +
        '(one per rotation token), so the execution ARN can only end in a wildcard.',
    });
    for (const r of [...rotated.map((x) => x.ref), ...privileged].filter((x) => x.partial)) {
      for (const fn of allFunctions) {
        Validations.of(fn.role!).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${finding(r.policyArn)}]`,
          reason:
            'A secret given by partial ARN: Secrets Manager appends "-" and 6 random characters to every secret ARN, ' +
            'and "-??????" matches exactly those 6 characters of this one secret.',
        });
      }
    }
    for (const machine of [this.stateMachine, this.consoleStateMachine]) {
      Validations.of(machine.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Step Functions needs logs:CreateLogDelivery and related log-delivery actions, and X-Ray needs ' +
          'xray:PutTraceSegments and related actions, none of which support resource-level permissions.',
      });
      for (const fn of allFunctions) {
        Validations.of(machine.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${finding(fn.functionArn)}:*]`,
          reason: `lambda:InvokeFunction on the versions and aliases of ${fn.node.id} only (the grant CDK makes for a LambdaInvoke task).`,
        });
      }
    }
    Validations.of(rotationRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${finding(consoleExecutionsArn)}]`,
      reason: 'states:DescribeExecution of the console executions: a device lease held by one is taken over only once it has ended.',
    });
  }

  /**
   * Lets an operator use the console: start `rotate` and `verify` executions of the console state machine and follow
   * them. Nothing here lets the grantee start the rotation state machine (`set`, `test`), which only the rotation
   * function may start.
   */
  grantConsole(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stack.splitArn(this.consoleStateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['states:StartExecution'], resourceArns: [this.consoleStateMachineArn] });
    grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resourceArns: [executions] }));
    if (Construct.isConstruct(grantee)) {
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${flattenForNag(stack.resolve(executions))}]`,
        reason: 'states:DescribeExecution and GetExecutionHistory on the executions of the rotator console state machine only: execution names are chosen at run time.',
      });
    }
    return grant;
  }
}

/** Timeout of each device function; every device task state waits a little longer (rotation-workflow.ts). */
export const DEVICE_FUNCTION_TIMEOUT = Duration.minutes(1);
/** Timeout of the rotation function: Secrets Manager's step waits for the execution within it. */
export const ROTATION_FUNCTION_TIMEOUT = Duration.minutes(15);

function rulesOrThrow(
  schedule: RotationScheduleSetting,
  field: string,
  scope: Construct,
): secretsmanager.CfnRotationSchedule.RotationRulesProperty {
  try {
    return renderRotationRules(schedule);
  } catch (error) {
    if (error instanceof RotationScheduleError) throw new Error(`${scope.node.path}: ${field}: ${error.problem}`);
    throw error;
  }
}

function secretRef(secret: secretsmanager.ISecret): SecretRef {
  if (secret.secretFullArn) return { secret, policyArn: secret.secretFullArn, configuredArn: secret.secretFullArn, partial: false };
  return { secret, policyArn: `${secret.secretArn}-??????`, configuredArn: secret.secretArn, partial: true };
}

function rejectDuplicates(refs: readonly SecretRef[], scope: Construct): void {
  const seen = new Set<string>();
  for (const { policyArn } of refs) {
    if (Token.isUnresolved(policyArn)) continue;
    if (seen.has(policyArn)) throw new Error(`${scope.node.path}: the secret ${policyArn} is given more than once`);
    seen.add(policyArn);
  }
}

function uniqueKeys(keys: readonly (kms.IKey | undefined)[]): kms.IKey[] {
  return [...new Set(keys.filter((k): k is kms.IKey => k !== undefined))];
}

/** A readable, stable construct id for a secret's schedule: its name when the ARN is known, else its construct address. */
function scheduleId(secret: secretsmanager.ISecret): string {
  const arn = secret.secretArn;
  if (!Token.isUnresolved(arn)) {
    const name = arn.split(':secret:')[1];
    if (name) return name.replace(/\//g, '_');
  }
  return secret.node.addr;
}

/** Renders a resolved CloudFormation value the way cdk-nag names it in a finding (`<Logical.Attr>`, `<AWS::Region>`). */
function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flattenForNag).join(delimiter);
    }
    if (node['Fn::Sub'] !== undefined) return flattenForNag(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenForNag(resource)}.${flattenForNag(attribute)}>`;
    }
    if (node['Fn::ImportValue'] !== undefined) return flattenForNag(node['Fn::ImportValue']);
    if (node.Ref !== undefined) return `<${flattenForNag(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
