import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { FunctionSettings } from '../functions';
import type { RotatorSecrets } from '../secrets';
import { createAlarmsAndDashboard } from './alarms';
import type { MonitoredSecrets, MonitoredStateMachine } from './monitored';
import { createNotifier } from './notifier';
import { createPendingScanner } from './pending-scanner';
import { createFailureRules } from './rules';
import { createNotificationTopic } from './topic';

export type { MonitoredStateMachine } from './monitored';

/** Notifications, alarms and the dashboard (README "Alarms and notifications"). Everything is on by default. */
export interface RotatorMonitoringProps {
  /**
   * Publish one message to the topic for every failed, timed-out or aborted execution of the rotator's state machines
   * and every Secrets Manager RotationFailed / RotationAbandoned of its secrets.
   *
   * @default true
   */
  readonly notifications?: boolean;
  /**
   * The topic notifications and alarms go to. A topic given here must let the notifier function and CloudWatch
   * alarms publish to it (and use its key, if it is encrypted with a customer-managed one).
   *
   * @default - a new topic, encrypted with a new customer-managed key, refusing requests not over TLS
   */
  readonly topic?: sns.ITopic;
  /**
   * CloudWatch alarms, each notifying the topic: failed, timed-out and aborted executions per state machine, errors
   * of the rotation and device functions, throttled AWS calls, drifted devices, rotations pending too long.
   *
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * A CloudWatch dashboard of the same metrics (its URL is the stack output `DashboardUrl`).
   *
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * A rotation whose AWSPENDING version has stood apart from AWSCURRENT longer than this is stuck
   * (metric `RotationsPendingTooLong`, alarm above 0).
   *
   * @default Duration.hours(6)
   */
  readonly pendingRotationThreshold?: Duration;
  /**
   * How often the enrolled secrets are scanned for pending rotations.
   *
   * @default Duration.hours(1)
   */
  readonly pendingRotationScanInterval?: Duration;
  /**
   * The alarm on throttled AWS calls fires when more than this many attempts were throttled in 5 minutes (the SDK's
   * retries absorb a few; a sustained rate means a quota binds).
   *
   * @default 100
   */
  readonly throttledCallsThreshold?: number;
}

export interface MonitoringArgs {
  readonly props: RotatorMonitoringProps;
  readonly rotatorName: string;
  readonly settings: FunctionSettings;
  /** Every state machine of the rotator (rotation, console, and any added later). */
  readonly stateMachines: readonly MonitoredStateMachine[];
  readonly rotationStateMachineArn: string;
  readonly key: kms.IKey;
  readonly rotationFunction: lambda.IFunction;
  readonly deviceFunctions: Readonly<Record<string, lambda.IFunction>>;
  readonly secrets: MonitoredSecrets;
  readonly rotatorSecrets: RotatorSecrets;
}

export interface RotatorMonitoring {
  readonly topic?: sns.ITopic;
  readonly notifier?: lambda.Function;
  readonly pendingScanner?: lambda.Function;
  readonly dashboardName?: string;
  /** The functions made here (for the VPC endpoints and cdk-nag acknowledgements). */
  readonly functions: readonly lambda.Function[];
}

export function createMonitoring(scope: Construct, args: MonitoringArgs): RotatorMonitoring {
  const notifications = args.props.notifications ?? true;
  const alarms = args.props.alarms ?? true;
  const dashboard = args.props.dashboard ?? true;
  if (!notifications && !alarms && !dashboard) return { functions: [] };
  const topic = notifications || alarms ? (args.props.topic ?? createNotificationTopic(scope, args.rotatorName)) : undefined;
  const functions: lambda.Function[] = [];
  let notifier: lambda.Function | undefined;
  if (notifications && topic !== undefined) {
    notifier = createNotifier(scope, { ...args, topic });
    createFailureRules(scope, args.stateMachines, notifier);
    functions.push(notifier);
  }
  const every = args.props.pendingRotationScanInterval ?? Duration.hours(1);
  const pendingScanner = createPendingScanner(scope, { ...args, threshold: args.props.pendingRotationThreshold ?? Duration.hours(6), every });
  functions.push(pendingScanner);
  const { dashboardName } = createAlarmsAndDashboard(scope, {
    ...args,
    topic,
    alarms,
    dashboard,
    throttledCallsThreshold: args.props.throttledCallsThreshold ?? 100,
    pendingScanEvery: every,
  });
  return { topic, notifier, pendingScanner, dashboardName, functions };
}
