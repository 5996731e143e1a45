import { Duration, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { vendorModules } from '../lambda/vendors';
import { createEnrollment, type TagEnrollment } from './enrollment';
import { createDeviceFunctions, createRotationFunction } from './functions';
import { grantDeviceFunction, grantRotationFunction } from './grants';
import { createHeartbeat, type HeartbeatSettings } from './heartbeat';
import { createLedgerTable, grantLedger } from './ledger';
import { RotatorLogGroups } from './log-groups';
import { acknowledgeNagFindings } from './nag';
import { checkNetworkSettings, createVpcEndpoints } from './networking';
import { createRotationSchedules, type RotationScheduleSetting } from './schedules';
import { type DeviceSecret, resolveSecrets } from './secrets';
import { createStateMachine, grantConsoleTo, type WorkflowArns, workflowArns } from './state-machines';
import { acknowledgeMonitoringNagFindings } from './monitoring/nag';
import { createMonitoring, type RotatorMonitoring, type RotatorMonitoringProps } from './monitoring/monitoring';
import { monitoredSecrets } from './monitoring/monitored';

export { DEVICE_FUNCTION_TIMEOUT, ROTATION_FUNCTION_TIMEOUT } from './functions';
export { SEAL_PURPOSE } from './grants';
export { SERVICE_NAME } from './log-groups';
export {
  DEFAULT_ROTATION_SCHEDULE,
  renderRotationRules,
  RotationScheduleError,
  type RotationScheduleExpression,
  type RotationScheduleSetting,
  rotationScheduleProblem,
} from './schedules';
export type { DeviceSecret } from './secrets';
export type { RotatorMonitoringProps } from './monitoring/monitoring';

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
   * Exactly one subnet of `vpc` for the device functions of vendors whose password change is a conversation (one
   * invocation per step): every step then leaves from one address, as devices that bind a session to the client
   * address require (README "Device secret format", `SessionBoundToAddressError`).
   *
   * @default - `vpcSubnets`
   */
  readonly singleEgressSubnets?: ec2.SubnetSelection;

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
   * Enrollment by tag: secrets carrying the tag (its value: the secret's vendor) join the rotation, found by a daily
   * reconcile and on CreateSecret and TagResource; the functions' grants are attribute-based (the tag), so neither the
   * template nor any policy grows with the fleet. The explicit `secrets` keep working beside it.
   *
   * @default - no enrollment by tag: only the `secrets` listed
   */
  readonly enrollment?: TagEnrollment;

  /**
   * The heartbeat (drift detection): every enrolled secret's AWSCURRENT is checked on its device (one login within the
   * failed-login budget, nothing changed), every `everyDays` at an hour spread by its ARN; a device that refuses it
   * fails its execution with `DeviceDriftError`. Results are kept in the device ledger.
   *
   * @default - on, daily (`{ enabled: true, everyDays: 1 }`)
   */
  readonly heartbeat?: HeartbeatSettings;

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

  /**
   * Notifications (an SNS topic, one message per failed execution or Secrets Manager rotation failure), CloudWatch
   * alarms and a dashboard; each part can be turned off or tuned (README "Alarms and notifications").
   *
   * @default - all on: a new encrypted topic, every alarm, the dashboard
   */
  readonly monitoring?: RotatorMonitoringProps;
}

/**
 * Rotates the admin passwords of network devices stored in Secrets Manager.
 *
 * Secrets Manager calls the rotation function on each secret's schedule; its `setSecret` step starts the rotation
 * state machine, which drives the vendor's device function through the password change, and waits for it. Operators
 * use the console state machine (`grantConsole`). Every execution shares the device ledger.
 */
export class DevicePasswordRotator extends Construct {
  /** The rotation function's workflow (Standard): `set` and `test`. Only the rotation function may start it. */
  public readonly stateMachine: sfn.StateMachine;
  /** The operators' workflow (Standard): `rotate`, `verify`, `abandon`, and the heartbeat's `heartbeat`. Grant it with `grantConsole`. */
  public readonly consoleStateMachine: sfn.StateMachine;
  /** The device ledger: per rotated account, the failed-login budget and the lease of the execution changing it. */
  public readonly ledgerTable: dynamodb.Table;
  /** The Secrets Manager rotation function. It also serves state-machine tasks. */
  public readonly rotationFunction: lambda.Function;
  /** One function per vendor (`lambda/vendors`): the only code that talks to devices. */
  public readonly deviceFunctions: Readonly<Record<string, lambda.Function>>;
  /** The key of the state machines, the ledger, the log groups and sealed device sessions. */
  public readonly encryptionKey: kms.IKey;
  /** The rotation state machine's ARN, known before the state machine exists. */
  public readonly stateMachineArn: string;
  /** The console state machine's ARN. */
  public readonly consoleStateMachineArn: string;
  /** The function that enrolls tagged secrets, when `enrollment` is set. */
  public readonly enrollmentFunction?: lambda.Function;
  /** The heartbeat dispatcher, unless `heartbeat.enabled` is false. */
  public readonly heartbeatFunction?: lambda.Function;
  /** The VPC endpoints created when `createVpcEndpoints` is set. */
  public readonly vpcEndpoints: readonly ec2.InterfaceVpcEndpoint[];
  /** The notification topic, the notifier, the pending-rotation scanner and the dashboard's name (`monitoring`). */
  public readonly monitoring: RotatorMonitoring;
  private readonly workflow: WorkflowArns;

  constructor(scope: Construct, id: string, props: DevicePasswordRotatorProps) {
    super(scope, id);
    checkNetworkSettings(this, props);
    const secrets = resolveSecrets(this, props);
    this.workflow = workflowArns(this, stateMachineNameOf(this, props.stateMachineName));
    this.stateMachineArn = this.workflow.rotation.arn;
    this.consoleStateMachineArn = this.workflow.console.arn;
    this.encryptionKey = props.encryptionKey ?? newEncryptionKey(this, this.workflow.rotation.name);
    const vendors = vendorModules();
    const logGroups = new RotatorLogGroups(this, this.encryptionKey, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
      stateMachineNames: [this.workflow.rotation.name, this.workflow.console.name],
      baseName: this.workflow.rotation.name,
      vendors: vendors.map((vendor) => vendor.id),
    });
    this.ledgerTable = createLedgerTable(this, this.encryptionKey, props.ledgerRemovalPolicy);

    const functionSettings = { ...props, logGroups, environment: { LEDGER_TABLE: this.ledgerTable.tableName, ROTATOR_NAME: this.workflow.rotation.name } };
    this.rotationFunction = createRotationFunction(this, functionSettings, {
      STATE_MACHINE_ARN: this.stateMachineArn,
      LEASE_SECONDS: String((props.stateMachineTimeout ?? Duration.hours(1)).toSeconds()),
      EXECUTION_POLL_MS: String((props.executionPollInterval ?? Duration.seconds(2)).toMilliseconds()),
    });
    this.deviceFunctions = createDeviceFunctions(this, functionSettings, vendors, {
      SEAL_KEY_ID: this.encryptionKey.keyArn,
      PRIVILEGED_SECRETS: JSON.stringify(secrets.privileged.map((p) => p.configuredArn)),
      ...(secrets.tagged === undefined ? {} : { PRIVILEGED_TAG_KEY: secrets.tagged.privilegedTagKey }),
    });
    const allFunctions = [this.rotationFunction, ...Object.values(this.deviceFunctions)];
    grantRotationFunction(this.rotationFunction, secrets, this.workflow, this.encryptionKey, vendors.map((vendor) => vendor.id));
    for (const vendor of vendors) grantDeviceFunction(this.deviceFunctions[vendor.id], secrets, this.workflow, this.encryptionKey, vendor);
    grantLedger(this.ledgerTable, this.encryptionKey, allFunctions);

    const machines = { rotationFunction: this.rotationFunction, deviceFunctions: this.deviceFunctions, key: this.encryptionKey, logGroups, timeout: props.stateMachineTimeout };
    this.stateMachine = createStateMachine(this, 'rotation', this.workflow.rotation, machines);
    this.consoleStateMachine = createStateMachine(this, 'console', this.workflow.console, machines);
    this.enrollmentFunction =
      props.enrollment === undefined && secrets.listed.length === 0
        ? undefined
        : createEnrollment(this, { enrollment: props.enrollment ?? {}, settings: functionSettings, rotationFunction: this.rotationFunction, vendors, secretsKeys: secrets.secretsKeys, listed: secrets.listed });
    this.heartbeatFunction =
      props.heartbeat?.enabled === false
        ? undefined
        : createHeartbeat(this, {
            heartbeat: props.heartbeat,
            settings: functionSettings,
            console: this.workflow.console,
            key: this.encryptionKey,
            rotationFunction: this.rotationFunction,
            explicitSecrets: secrets.rotated.map((r) => r.ref.configuredArn),
            tagKey: secrets.tagged?.tagKey,
          });
    const helpers = [this.enrollmentFunction, this.heartbeatFunction].filter((fn): fn is lambda.Function => fn !== undefined);
    this.vpcEndpoints = createVpcEndpoints(this, props, [...allFunctions, ...helpers]);
    this.monitoring = createMonitoring(this, {
      props: props.monitoring ?? {},
      rotatorName: this.workflow.rotation.name,
      // The monitoring functions talk to AWS APIs only: they run outside the VPC.
      settings: { memorySize: props.memorySize, logGroups, environment: { ROTATOR_NAME: this.workflow.rotation.name } },
      stateMachines: [
        { machine: this.stateMachine, arns: this.workflow.rotation, label: 'rotation' },
        { machine: this.consoleStateMachine, arns: this.workflow.console, label: 'console' },
      ],
      rotationStateMachineArn: this.stateMachineArn,
      key: this.encryptionKey,
      rotationFunction: this.rotationFunction,
      deviceFunctions: this.deviceFunctions,
      secrets: monitoredSecrets(secrets, vendors.map((vendor) => vendor.id)),
      rotatorSecrets: secrets,
    });
    createRotationSchedules(this, {
      rotated: secrets.rotated,
      rotationFunction: this.rotationFunction,
      rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate ?? false,
      dependsOn: [this.rotationFunction.node.findChild('InvokedBySecretsManager'), this.stateMachine, this.ledgerTable, ...allFunctions],
    });
    acknowledgeNagFindings(this, {
      functions: allFunctions,
      rotationFunction: this.rotationFunction,
      stateMachines: [this.stateMachine, this.consoleStateMachine],
      executionsArns: { rotation: this.workflow.rotation.executions, console: this.workflow.console.executions },
      secrets: [...secrets.rotated.map((r) => r.ref), ...secrets.privileged],
      inVpc: props.vpc !== undefined,
      taggedSecrets: secrets.tagged?.anySecret,
    });
    acknowledgeMonitoringNagFindings(this.monitoring, { workflow: this.workflow, secrets: monitoredSecrets(secrets, []) });
  }

  /**
   * Lets an operator use the console: start `rotate`, `verify`, `abandon` (and `heartbeat`) executions of the console
   * state machine and follow them. Nothing here lets the grantee start the rotation state machine (`set`, `test`), which only the rotation
   * function may start.
   */
  grantConsole(grantee: iam.IGrantable): iam.Grant {
    return grantConsoleTo(grantee, this.workflow.console);
  }
}

function stateMachineNameOf(scope: Construct, given: string | undefined): string {
  const name = given ?? Names.uniqueResourceName(scope, { maxLength: 64, separator: '-' });
  if (!Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,72}$/.test(name)) {
    throw new Error(`${scope.node.path}: stateMachineName must be 1-72 letters, digits, - or _ (the console state machine adds "-console"), got "${name}"`);
  }
  return name;
}

function newEncryptionKey(scope: Construct, name: string): kms.IKey {
  return new kms.Key(scope, 'EncryptionKey', {
    description: `Device password rotator ${name}: state machines, ledger, logs and sealed device sessions`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
