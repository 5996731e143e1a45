import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** `POWERTOOLS_SERVICE_NAME` of every function, and the first part of its log group's name. */
export const SERVICE_NAME = 'device-password-rotator';

/** The monitoring functions (infra/monitoring/), each with a log group of its own. */
export const MONITORING_FUNCTIONS = ['notifier', 'pending-scan'] as const;
export type MonitoringFunction = (typeof MONITORING_FUNCTIONS)[number];

export interface LogGroupSettings {
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly retention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The rotator's log groups, with fixed names so that the key policy can name them: CloudWatch Logs may use the key
 * for these log groups only (no effect on a key given by ARN).
 */
export class RotatorLogGroups {
  readonly names: { stateMachine: (name: string) => string; rotation: string; enrollment: string; heartbeat: string; device: (vendor: string) => string; monitoring: (fn: MonitoringFunction) => string };

  constructor(
    private readonly scope: Construct,
    private readonly key: kms.IKey,
    private readonly settings: LogGroupSettings & { stateMachineNames: readonly string[]; baseName: string; vendors: readonly string[] },
  ) {
    this.names = {
      stateMachine: (name) => `/aws/vendedlogs/states/${name}`,
      rotation: `/${SERVICE_NAME}/${settings.baseName}/rotation`,
      enrollment: `/${SERVICE_NAME}/${settings.baseName}/enrollment`,
      heartbeat: `/${SERVICE_NAME}/${settings.baseName}/heartbeat`,
      device: (vendor) => `/${SERVICE_NAME}/${settings.baseName}/device/${vendor}`,
      monitoring: (fn) => `/${SERVICE_NAME}/${settings.baseName}/${fn}`,
    };
    const all = [...settings.stateMachineNames.map(this.names.stateMachine), this.names.rotation, this.names.enrollment, this.names.heartbeat, ...settings.vendors.map(this.names.device), ...MONITORING_FUNCTIONS.map(this.names.monitoring)];
    const stack = Stack.of(scope);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsForTheRotatorLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': all.map((name) =>
              stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
            ),
          },
        },
      }),
    );
  }

  create(logicalId: string, logGroupName: string): logs.LogGroup {
    return new logs.LogGroup(this.scope, logicalId, {
      logGroupName,
      encryptionKey: this.key,
      retention: this.settings.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: this.settings.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
