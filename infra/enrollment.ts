import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { VendorModule } from '../lambda/vendors/vendor-module';
import { type FunctionSettings, rotatorFunction } from './functions';
import { flattenForNag } from './nag';
import type { ListedSecret } from './secrets';

/** Enrollment by tag: a secret joins the rotation when it carries the tag, whose value names its vendor. */
export interface TagEnrollment {
  /**
   * The tag whose value is the secret's vendor (a vendor id of `lambda/vendors`). Whoever may set this tag on a secret decides
   * that the rotator rotates it: restrict `secretsmanager:TagResource` with this key (`aws:TagKeys`) accordingly.
   *
   * @default 'device-password-rotator:vendor'
   */
  readonly tagKey?: string;
  /**
   * Every how many days an enrolled secret rotates (its hour and day spread by a stable hash of its ARN).
   *
   * @default Duration.days(30)
   */
  readonly rotateEvery?: Duration;
  /**
   * How often every tagged secret is reconciled (enrolled if it is not, its schedule set again if it drifted).
   *
   * @default Duration.days(1)
   */
  readonly reconcileEvery?: Duration;
}

export const DEFAULT_ENROLLMENT_TAG_KEY = 'device-password-rotator:vendor';

/** The listed secrets, as one JSON file the enrollment function reads (one asset, whatever the number). */
function listedSecretsAsset(scope: Construct, listed: readonly ListedSecret[]): s3assets.Asset | undefined {
  if (listed.length === 0) return undefined;
  // As RotateSecret takes them (the L1 property names are camelCase).
  const rules = (r: ListedSecret['rules']) => ({ ScheduleExpression: r.scheduleExpression, Duration: r.duration, AutomaticallyAfterDays: r.automaticallyAfterDays });
  const resolved = listed.map((entry) => ({ arn: Stack.of(scope).resolve(entry.arn) as unknown, vendor: entry.vendor, rules: JSON.parse(JSON.stringify(rules(entry.rules))) as unknown }));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rotator-listed-'));
  writeFileSync(path.join(dir, 'listed-secrets.json'), JSON.stringify(resolved));
  return new s3assets.Asset(scope, 'ListedSecrets', { path: path.join(dir, 'listed-secrets.json') });
}

/** The ARN pattern of every secret of the account and region: ABAC conditions narrow it to the tagged ones. */
export function anySecretArn(scope: Construct): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:*`;
}

/** A condition that the secret carries the enrollment tag with one of these values. */
export function taggedWith(tagKey: string, values: readonly string[]) {
  return { StringEquals: { [`aws:ResourceTag/${tagKey}`]: [...values] } };
}

/**
 * The enrollment function and its triggers: a daily (by default) reconcile of every tagged secret, and Secrets
 * Manager's CreateSecret and TagResource calls (CloudTrail events through EventBridge) for a secret tagged now.
 */
export function createEnrollment(
  scope: Construct,
  args: {
    enrollment: TagEnrollment;
    settings: FunctionSettings;
    rotationFunction: lambda.Function;
    vendors: readonly VendorModule[];
    secretsKeys: readonly kms.IKey[];
    /** Listed secrets to tag and enroll (a list longer than `EXPLICIT_GRANT_LIMIT`), with their rotation rules. */
    listed: readonly ListedSecret[];
  },
): lambda.Function {
  const tagKey = args.enrollment.tagKey ?? DEFAULT_ENROLLMENT_TAG_KEY;
  const listed = listedSecretsAsset(scope, args.listed);
  const fn = rotatorFunction(scope, args.settings, {
    logicalId: 'EnrollmentFunction',
    entry: 'lambda/handlers/enrollment.ts',
    kind: 'enrollment',
    description: 'Enrolls the secrets tagged for device password rotation: checks their content, turns rotation on with a spread schedule',
    timeout: Duration.minutes(15),
    environment: {
      ENROLLMENT_TAG_KEY: tagKey,
      ROTATION_FUNCTION_ARN: args.rotationFunction.functionArn,
      ROTATE_EVERY_DAYS: String((args.enrollment.rotateEvery ?? Duration.days(30)).toDays()),
      ...(listed === undefined ? {} : { LISTED_SECRETS_BUCKET: listed.s3BucketName, LISTED_SECRETS_KEY: listed.s3ObjectKey }),
    },
    logGroupName: args.settings.logGroups.names.enrollment,
  });
  const role = fn.role!;
  const secrets = anySecretArn(scope);
  const vendorIds = args.vendors.map((vendor) => vendor.id);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'FindTaggedSecrets', actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EnrollTaggedSecrets',
      actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:RotateSecret'],
      resources: [secrets],
      conditions: taggedWith(tagKey, vendorIds),
    }),
  );
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'PointRotationAtTheRotator', actions: ['lambda:InvokeFunction'], resources: [args.rotationFunction.functionArn] }));
  if (listed !== undefined) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTheListOfSecrets', actions: ['s3:GetObject'], resources: [listed.bucket.arnForObjects(listed.s3ObjectKey)] }));
    // The listed secrets are tagged with their vendor, which is what enrolls them: only that tag key, only vendor values.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TagTheListedSecrets',
        actions: ['secretsmanager:TagResource'],
        resources: [secrets],
        conditions: { StringEquals: { [`aws:RequestTag/${tagKey}`]: vendorIds }, 'ForAllValues:StringEquals': { 'aws:TagKeys': [tagKey] } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UntagAListedSecretThatIsNotItsVendors',
        actions: ['secretsmanager:UntagResource'],
        resources: [secrets],
        conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [tagKey] }, StringEquals: { [`aws:ResourceTag/${tagKey}`]: vendorIds } },
      }),
    );
  }
  for (const key of args.secretsKeys) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptTaggedSecretsThroughSecretsManager',
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(scope).region}.amazonaws.com` } },
      }),
    );
  }
  new events.Rule(scope, 'ReconcileEnrollment', {
    description: 'Reconciles every secret tagged for device password rotation',
    // A listed secret is enrolled at the first reconcile after the deploy that lists it: hourly then.
    schedule: events.Schedule.rate(args.enrollment.reconcileEvery ?? (listed === undefined ? Duration.days(1) : Duration.hours(1))),
    targets: [new targets.LambdaFunction(fn, { event: events.RuleTargetInput.fromObject({ operation: 'reconcile' }) })],
  });
  const onCall = (id: string, eventName: string, secretIdPath: string) =>
    new events.Rule(scope, id, {
      description: `Enrolls a secret when Secrets Manager's ${eventName} may have tagged it for device password rotation`,
      eventPattern: { source: ['aws.secretsmanager'], detailType: ['AWS API Call via CloudTrail'], detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: [eventName] } },
      targets: [new targets.LambdaFunction(fn, { event: events.RuleTargetInput.fromObject({ operation: 'enroll', secretId: events.EventField.fromPath(secretIdPath) }) })],
    });
  onCall('EnrollOnCreateSecret', 'CreateSecret', '$.detail.responseElements.aRN');
  onCall('EnrollOnTagResource', 'TagResource', '$.detail.requestParameters.secretId');
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only actions without resource-level permissions use "*": secretsmanager:ListSecrets (filtered by the tag key), xray:PutTraceSegments/PutTelemetryRecords' +
      (args.settings.vpc ? ', and the EC2 network-interface actions Lambda needs to run in a VPC' : '') +
      '.',
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flattenForNag(Stack.of(scope).resolve(secrets))}]`,
    reason: `Every secret of the account, narrowed by an attribute condition to those tagged ${tagKey} with a known vendor (ABAC): the fleet is not listed.`,
  });
  return fn;
}
