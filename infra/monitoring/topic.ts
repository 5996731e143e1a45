import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/**
 * The topic every notification and alarm goes to: encrypted with a key of its own (CloudWatch alarms publish to it,
 * so its key policy lets CloudWatch use the key for this topic only), and refusing every request not over TLS.
 */
export function createNotificationTopic(scope: Construct, rotatorName: string): sns.Topic {
  const key = new kms.Key(scope, 'NotificationsKey', {
    description: `Device password rotator ${rotatorName}: its notification topic`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // A fixed name: the key policy names the topic's ARN, which a reference to the topic would make circular.
  const topicName = `${rotatorName}-notifications`;
  const topicArn = Stack.of(scope).formatArn({ service: 'sns', resource: topicName, arnFormat: ArnFormat.NO_RESOURCE_NAME });
  const topic = new sns.Topic(scope, 'NotificationTopic', {
    topicName,
    displayName: `Device password rotator ${rotatorName}`,
    masterKey: key,
    enforceSSL: true,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublishToTheTopic',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
    }),
  );
  return topic;
}
