import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { MonitoringConfig } from './config';
import { DevicePasswordRotator, type RotationScheduleSetting, type RotatorMonitoringProps } from './device-password-rotator';

/** An existing VPC, described fully so that synthesis needs no lookup (and works offline). */
export interface ExistingVpc {
  readonly vpcId: string;
  readonly availabilityZones: readonly string[];
  /** Private subnets, the same number per availability zone, in `availabilityZones` order. */
  readonly privateSubnetIds: readonly string[];
  /**
   * One of `privateSubnetIds`: the conversation vendors' device functions run in it alone, so that every
   * step of a password conversation leaves from one address (`DevicePasswordRotatorProps.singleEgressSubnets`).
   *
   * @default - those functions run in every private subnet, like the others
   */
  readonly singleEgressSubnetId?: string;
  /**
   * Security groups of the functions.
   *
   * @default - one new security group per function, allowing all outbound traffic
   */
  readonly securityGroupIds?: readonly string[];
}

/** Properties of a `RotatorStack`: the construct's, with everything that exists already given by id or ARN. */
export interface RotatorStackProps extends StackProps {
  /**
   * The device secrets to rotate, by ARN. A complete ARN (ending in "-" and 6 characters) is used as is; any other ARN
   * is taken as partial and IAM policies name it followed by "-??????".
   *
   * @default - none: the machinery is deployed and rotates nothing
   */
  readonly secrets?: readonly { readonly arn: string; readonly schedule?: RotationScheduleSetting; readonly vendor?: string }[];
  /** See `DevicePasswordRotatorProps.schedule`. */
  readonly schedule?: RotationScheduleSetting;
  /** Secrets the device functions may read (not rotated), by ARN. */
  readonly privilegedSecretArns?: readonly string[];
  /** See `DevicePasswordRotatorProps.vpc`. @default - no VPC */
  readonly vpc?: ExistingVpc;
  /** See `DevicePasswordRotatorProps.createVpcEndpoints`. @default false */
  readonly createVpcEndpoints?: boolean;
  /** See `DevicePasswordRotatorProps.monitoring`, with an existing topic given by ARN. @default - notifications, alarms and the dashboard, all on */
  readonly monitoring?: MonitoringConfig;
  /** ARN of the key for the state machine, logs and sealing. @default - a new key */
  readonly encryptionKeyArn?: string;
  /** ARN of the key the device secrets are encrypted with. @default - the AWS managed key */
  readonly secretsKeyArn?: string;
  /** See `DevicePasswordRotatorProps.enrollment`, in days and hours. @default - no enrollment by tag */
  readonly enrollment?: { readonly tagKey?: string; readonly rotateEveryDays?: number; readonly reconcileEveryHours?: number };
  /** See `DevicePasswordRotatorProps.heartbeat`. @default - on, daily */
  readonly heartbeat?: { readonly enabled?: boolean; readonly everyDays?: number };
}

/** A complete secret ARN ends with "-" and the 6 random characters Secrets Manager appends to the name. */
export function isCompleteSecretArn(arn: string): boolean {
  return /:secret:.+-[A-Za-z0-9]{6}$/.test(arn);
}

/** Imports a secret by ARN, complete or partial. */
export function importSecret(scope: Construct, id: string, arn: string, encryptionKey?: kms.IKey): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretAttributes(scope, id, {
    ...(isCompleteSecretArn(arn) ? { secretCompleteArn: arn } : { secretPartialArn: arn }),
    encryptionKey,
  });
}

/** The device password rotator, for secrets and infrastructure that already exist. */
export class RotatorStack extends Stack {
  public readonly rotator: DevicePasswordRotator;

  constructor(scope: Construct, id: string, props: RotatorStackProps = {}) {
    super(scope, id, props);

    const secretsKey = props.secretsKeyArn ? kms.Key.fromKeyArn(this, 'SecretsKey', props.secretsKeyArn) : undefined;
    const encryptionKey = props.encryptionKeyArn ? kms.Key.fromKeyArn(this, 'EncryptionKey', props.encryptionKeyArn) : undefined;

    let vpc: ec2.IVpc | undefined;
    let securityGroups: ec2.ISecurityGroup[] | undefined;
    if (props.vpc) {
      vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: props.vpc.vpcId,
        availabilityZones: [...props.vpc.availabilityZones],
        privateSubnetIds: [...props.vpc.privateSubnetIds],
      });
      Validations.of(vpc).acknowledge({
        id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
        reason: 'Route tables are not needed: the functions only run in these subnets and no gateway endpoint is added to them.',
      });
      securityGroups = props.vpc.securityGroupIds?.map((sgId) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup-${sgId}`, sgId, { mutable: false }),
      );
    }

    this.rotator = new DevicePasswordRotator(this, 'Rotator', {
      secrets: (props.secrets ?? []).map((entry, i) => ({
        secret: importSecret(this, `Secret${i}`, entry.arn),
        schedule: entry.schedule,
        vendor: entry.vendor,
      })),
      schedule: props.schedule,
      privilegedSecrets: (props.privilegedSecretArns ?? []).map((arn, i) => importSecret(this, `PrivilegedSecret${i}`, arn)),
      ...(props.enrollment === undefined
        ? {}
        : {
            enrollment: {
              tagKey: props.enrollment.tagKey,
              rotateEvery: Duration.days(props.enrollment.rotateEveryDays ?? 30),
              reconcileEvery: Duration.hours(props.enrollment.reconcileEveryHours ?? 24),
            },
          }),
      heartbeat: props.heartbeat,
      vpc,
      vpcSubnets: vpc ? { subnets: vpc.privateSubnets } : undefined,
      singleEgressSubnets: vpc && props.vpc?.singleEgressSubnetId !== undefined ? { subnets: vpc.privateSubnets.filter((subnet) => subnet.subnetId === props.vpc?.singleEgressSubnetId) } : undefined,
      securityGroups,
      createVpcEndpoints: props.createVpcEndpoints,
      encryptionKey,
      secretsKey,
      monitoring: monitoringProps(this, props.monitoring),
    });
    stackOutputs(this, this.rotator);
  }
}

function monitoringProps(stack: Stack, config: MonitoringConfig | undefined): RotatorMonitoringProps | undefined {
  if (config === undefined) return undefined;
  const { topicArn, pendingRotationThresholdHours: hours, pendingRotationScanIntervalMinutes: minutes, ...flags } = config;
  return {
    ...flags,
    ...(topicArn === undefined ? {} : { topic: sns.Topic.fromTopicArn(stack, 'NotificationTopic', topicArn) }),
    ...(hours === undefined ? {} : { pendingRotationThreshold: Duration.hours(hours) }),
    ...(minutes === undefined ? {} : { pendingRotationScanInterval: Duration.minutes(minutes) }),
  };
}

/** What an operator needs to find the rotator: the state machines, the topic to subscribe to, the dashboard. */
function stackOutputs(stack: Stack, rotator: DevicePasswordRotator): void {
  new CfnOutput(stack, 'RotationStateMachineArn', { description: 'The rotation state machine (started by the rotation function only)', value: rotator.stateMachineArn });
  new CfnOutput(stack, 'ConsoleStateMachineArn', { description: 'The console state machine: start "rotate" and "verify" here', value: rotator.consoleStateMachineArn });
  const { topic, dashboardName } = rotator.monitoring;
  if (topic !== undefined) new CfnOutput(stack, 'NotificationTopicArn', { description: 'Subscribe to this topic for failures and alarms', value: topic.topicArn });
  if (dashboardName !== undefined) {
    new CfnOutput(stack, 'DashboardUrl', {
      description: 'The CloudWatch dashboard of the rotator',
      value: `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards/dashboard/${dashboardName}`,
    });
  }
}
