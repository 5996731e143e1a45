import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/**
 * The device ledger (lambda/ledger/): one item per rotated account, read and written item by item with conditional
 * writes. On demand, encrypted with the rotator's key, point-in-time recovery on.
 */
export function createLedgerTable(scope: Construct, key: kms.IKey, removalPolicy: RemovalPolicy = RemovalPolicy.RETAIN): dynamodb.Table {
  return new dynamodb.Table(scope, 'DeviceLedger', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: 'expiresAt',
    removalPolicy,
  });
}

/** Every function reads and writes the ledger: one item per account, read-modify-write on its revision. */
export function grantLedger(table: dynamodb.Table, key: kms.IKey, functions: readonly lambda.Function[]): void {
  for (const fn of functions) {
    fn.role!.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'DeviceLedger', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [table.tableArn] }));
    fn.role!.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeviceLedgerKeyThroughDynamoDB',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:DescribeKey'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(table).region}.amazonaws.com` } },
      }),
    );
  }
}
