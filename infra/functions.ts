import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import type { VendorModule } from '../lambda/vendors/vendor-module';
import { type RotatorLogGroups, SERVICE_NAME } from './log-groups';
import { grantVpcAccess, type NetworkSettings, vpcFunctionProps } from './networking';

/** Repository root: the handlers' entry files and the lock file NodejsFunction bundles against are found from here. */
const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Timeout of each device function; every device task state waits a little longer (rotation-workflow.ts). */
export const DEVICE_FUNCTION_TIMEOUT = Duration.minutes(1);
/** Timeout of the rotation function: Secrets Manager's step waits for the execution within it. */
export const ROTATION_FUNCTION_TIMEOUT = Duration.minutes(15);

export interface FunctionSettings extends NetworkSettings {
  /** @default 256 */
  readonly memorySize?: number;
  readonly logGroups: RotatorLogGroups;
  /** Every function's environment includes these (the ledger table). */
  readonly environment: Record<string, string>;
}

export interface FunctionSpec {
  readonly logicalId: string;
  readonly entry: string;
  readonly kind: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly logGroupName: string;
  /** Runs in `singleEgressSubnets` when given (a conversation vendor's device function). */
  readonly singleEgress?: boolean;
}

/** One function: its own role and log group (written by that role only), Node.js 22 on ARM64, tracing on. */
export function rotatorFunction(scope: Construct, settings: FunctionSettings, spec: FunctionSpec): lambda.Function {
  const role = new iam.Role(scope, `${spec.logicalId}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `${spec.description} (execution role)`,
  });
  const logGroup = settings.logGroups.create(`${spec.logicalId}Logs`, spec.logGroupName);
  logGroup.grantWrite(role);
  if (settings.vpc) grantVpcAccess(role);
  const fn = new nodejs.NodejsFunction(scope, spec.logicalId, {
    entry: path.join(PROJECT_ROOT, spec.entry),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    description: spec.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: settings.memorySize ?? 256,
    timeout: spec.timeout,
    tracing: lambda.Tracing.ACTIVE,
    role,
    logGroup,
    environment: { FUNCTION_KIND: spec.kind, POWERTOOLS_SERVICE_NAME: SERVICE_NAME, ...settings.environment, ...spec.environment },
    bundling: {
      minify: true,
      // Error class names are what Step Functions matches in Retry and Catch: minification must not rename them.
      keepNames: true,
      sourceMap: true,
      target: 'node22',
      externalModules: ['@aws-sdk/*'],
      logLevel: nodejs.LogLevel.WARNING,
    },
    ...vpcFunctionProps(settings, spec.singleEgress === true),
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Node.js 22 is the runtime this project targets (esbuild target node22, dependencies checked against it); ' +
      'moving to Node.js 24 is a deliberate upgrade, not a deploy-time default.',
  });
  return fn;
}

/** The Secrets Manager rotation function: it starts and awaits the rotation workflow, and serves its own tasks. */
export function createRotationFunction(scope: Construct, settings: FunctionSettings, environment: Record<string, string>): lambda.Function {
  return rotatorFunction(scope, settings, {
    logicalId: 'RotationFunction',
    entry: 'lambda/handlers/rotation.ts',
    kind: 'rotation',
    description: 'Secrets Manager rotation function for device admin passwords; starts and awaits the rotation workflow',
    timeout: ROTATION_FUNCTION_TIMEOUT,
    environment,
    logGroupName: settings.logGroups.names.rotation,
  });
}

/** One device function per vendor (`VendorModule.handlerEntry`): the only code that talks to devices. */
export function createDeviceFunctions(
  scope: Construct,
  settings: FunctionSettings,
  vendors: readonly VendorModule[],
  environment: Record<string, string>,
): Record<string, lambda.Function> {
  return Object.fromEntries(
    vendors.map((vendor) => [
      vendor.id,
      rotatorFunction(scope, settings, {
        logicalId: `Device-${vendor.id}`,
        entry: vendor.handlerEntry,
        kind: `device:${vendor.id}`,
        description: `Talks to ${vendor.id} devices for the password rotation workflow`,
        timeout: DEVICE_FUNCTION_TIMEOUT,
        environment,
        logGroupName: settings.logGroups.names.device(vendor.id),
        singleEgress: vendor.work === 'conversation',
      }),
    ]),
  );
}
