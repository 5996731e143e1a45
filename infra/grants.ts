import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { VendorModule } from '../lambda/vendors/vendor-module';
import type { RotatorSecrets } from './secrets';
import type { WorkflowArns } from './state-machines';

/**
 * The seal key (`SEAL_KEY_ID`) encrypts and decrypts for a device function only when the request's encryption context
 * has `purpose` = this value, `secretArn` = one of the rotated secrets and `execution` = an execution of this rotator
 * (what `lambda/aws/seal.ts` sends).
 */
export const SEAL_PURPOSE = 'device-session';

/** The secrets' customer-managed keys, for these actions, only through Secrets Manager and only for these secrets. */
export function grantSecretsKeys(fn: lambda.Function, secrets: RotatorSecrets, sid: string, actions: string[], arns: string[]): void {
  for (const secretsKey of secrets.secretsKeys) {
    fn.role!.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources: [secretsKey.keyArn], conditions: viaSecretsManager(fn, arns) }));
  }
}

function viaSecretsManager(scope: lambda.IFunction, arns: string[]) {
  return {
    StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(scope).region}.amazonaws.com` },
    StringLike: { 'kms:EncryptionContext:SecretARN': arns },
  };
}

/**
 * The rotation function: exactly the rotation protocol's calls on exactly the rotated secrets; the only principal that
 * may start the rotation state machine; DescribeExecution of both state machines' executions (a lease is taken over
 * once its holder has ended); the state machines' execution data under the rotator's key.
 */
export function grantRotationFunction(fn: lambda.Function, secrets: RotatorSecrets, workflow: WorkflowArns, key: kms.IKey, vendorIds: readonly string[]): void {
  const role = fn.role!;
  if (secrets.tagged !== undefined) {
    // Enrollment by tag: every secret tagged with a known vendor, by attribute, not by a list that grows with the fleet.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RotateTheTaggedDeviceSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: [secrets.tagged.anySecret],
        conditions: { StringEquals: { [`aws:ResourceTag/${secrets.tagged.tagKey}`]: [...vendorIds] } },
      }),
    );
    grantSecretsKeys(fn, secrets, 'UseTheSecretsKeyForTaggedSecrets', ['kms:Decrypt', 'kms:GenerateDataKey'], [secrets.tagged.anySecret]);
  }
  if (secrets.rotatedArns.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RotateTheDeviceSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: secrets.rotatedArns,
      }),
    );
    grantSecretsKeys(fn, secrets, 'UseTheSecretsKeyThroughSecretsManager', ['kms:Decrypt', 'kms:GenerateDataKey'], secrets.rotatedArns);
  }
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'GeneratePasswords', actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'StartTheWorkflow', actions: ['states:StartExecution'], resources: [workflow.rotation.arn] }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'AwaitTheWorkflow',
      actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
      resources: [workflow.rotation.executions, workflow.console.executions],
    }),
  );
  // With a customer-managed key, Step Functions encrypts an execution's input under the caller's identity and
  // decrypts its output for DescribeExecution the same way.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WorkflowDataOfThisStateMachine',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': [workflow.rotation.arn, workflow.console.arn] } },
    }),
  );
  // Secrets Manager may invoke it, for rotations of this account's secrets only (confused deputy).
  fn.addPermission('InvokedBySecretsManager', {
    principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
    action: 'lambda:InvokeFunction',
    sourceAccount: Stack.of(fn).account,
  });
}

/** Device functions: read the device secrets (and privileged ones), seal and unseal their own session data. */
export function grantDeviceFunction(fn: lambda.Function, secrets: RotatorSecrets, workflow: WorkflowArns, key: kms.IKey, vendor: VendorModule): void {
  const role = fn.role!;
  if (secrets.tagged !== undefined) {
    // This vendor's secrets only; privileged ones only where the vendor can reset another user's password.
    const readable: Record<string, string[]> = { [`aws:ResourceTag/${secrets.tagged.tagKey}`]: [vendor.id] };
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadThisVendorsTaggedSecrets',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [secrets.tagged.anySecret],
        conditions: { StringEquals: readable },
      }),
    );
    if (vendor.canResetOthers) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadThisVendorsPrivilegedSecrets',
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [secrets.tagged.anySecret],
          conditions: { StringEquals: { [`aws:ResourceTag/${secrets.tagged.privilegedTagKey}`]: [vendor.id] } },
        }),
      );
    }
    grantSecretsKeys(fn, secrets, 'DecryptTaggedSecretsThroughSecretsManager', ['kms:Decrypt'], [secrets.tagged.anySecret]);
  }
  if (secrets.readableArns.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadTheDeviceSecrets', actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: secrets.readableArns }),
    );
    grantSecretsKeys(fn, secrets, 'DecryptTheSecretsThroughSecretsManager', ['kms:Decrypt'], secrets.readableArns);
  }
  const sealable = secrets.tagged === undefined ? secrets.rotatedArns : [secrets.tagged.anySecret];
  if (sealable.length > 0) {
    // Session data sealed in one execution, for one secret, opens only there (the context seal.ts binds it to).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SealDeviceSessions',
        actions: ['kms:Encrypt', 'kms:Decrypt'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: { 'kms:EncryptionContext:purpose': SEAL_PURPOSE },
          StringLike: { 'kms:EncryptionContext:secretArn': sealable, 'kms:EncryptionContext:execution': [workflow.rotation.executions, workflow.console.executions] },
        },
      }),
    );
  }
}
