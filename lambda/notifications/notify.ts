import { PublishCommand } from '@aws-sdk/client-sns';
import { sns } from '../aws/sns-client';
import { rotationExecutionBase } from '../rotation/execution-names';
import { type DeviceFacts, deviceFacts } from './device-facts';
import { type NotifiedEvent, parseNotifiedEvent } from './events';
import { executionFacts } from './execution-facts';
import { executionNotification, type Notification, rotationNotification } from './message';
import { stateMachineConsoleUrl } from './console-links';

export interface NotifierSettings {
  readonly topicArn: string;
  /** The rotation state machine: where a failed Secrets Manager rotation's executions are. */
  readonly rotationStateMachineArn: string;
  /** The secrets the deployment lists (complete or partial ARNs). */
  readonly secretArns: readonly string[];
  /** Enrollment by tag: a secret carrying this tag is enrolled. */
  readonly tagKey?: string;
}

/** A secret's ARN without the 6 random characters Secrets Manager appends, so that complete and partial ARNs compare. */
const identity = (arn: string) => arn.replace(/-[A-Za-z0-9]{6}$/, '');

/** Whether a secret is one this rotator rotates: listed by ARN, or carrying the enrollment tag. */
function isEnrolled(device: DeviceFacts, settings: Pick<NotifierSettings, 'secretArns' | 'tagKey'>): boolean {
  const listed = settings.secretArns.some((arn) => arn === device.secretArn || identity(arn) === identity(device.secretArn) || arn === identity(device.secretArn));
  return listed || (settings.tagKey !== undefined && device.tags[settings.tagKey] !== undefined);
}

/**
 * The message for one event: everything it says is read here, by the notifier's own role. Undefined for a Secrets
 * Manager rotation of a secret this rotator does not rotate (the rule takes the whole account's).
 */
export async function notificationFor(event: NotifiedEvent, settings: Omit<NotifierSettings, 'topicArn'>): Promise<Notification | undefined> {
  if (event.kind === 'execution') {
    const execution = await executionFacts(event);
    const device = execution.secretId === undefined ? undefined : await deviceFacts(execution.secretId);
    return executionNotification(event.region, execution, device);
  }
  const device = await deviceFacts(event.secretId);
  if (!isEnrolled(device, settings)) return undefined;
  const executions = stateMachineConsoleUrl(event.region, settings.rotationStateMachineArn);
  const hint = device.pendingToken === undefined ? '' : ` (look for ${rotationExecutionBase('set', device.secretArn, device.pendingToken)} and test-…)`;
  return rotationNotification(event.region, event.eventName, event.errorMessage, device, `${executions}${hint}`);
}

/** Turns one EventBridge event into one SNS message. */
export async function notify(raw: unknown, settings: NotifierSettings): Promise<Notification | undefined> {
  const notification = await notificationFor(parseNotifiedEvent(raw), settings);
  if (notification === undefined) return undefined;
  await sns().send(
    new PublishCommand({
      TopicArn: settings.topicArn,
      Subject: notification.subject,
      Message: notification.body,
      MessageAttributes: Object.fromEntries(Object.entries(notification.attributes).map(([key, value]) => [key, { DataType: 'String', StringValue: value }])),
    }),
  );
  return notification;
}
