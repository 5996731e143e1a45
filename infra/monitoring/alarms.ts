import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { type CustomThreshold, DefaultDashboardFactory, type ErrorCountThreshold, MonitoringFacade, SnsAlarmActionStrategy } from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, ROTATOR_DIMENSION } from '../../lambda/metrics/metrics';
import { SERVICE_NAME } from '../log-groups';
import type { MonitoredStateMachine } from './monitored';

export interface AlarmsArgs {
  /** Prefix of every alarm's name and the dashboard's name (the rotation state machine's name). */
  readonly rotatorName: string;
  /** Where alarms notify; none when alarms are off. */
  readonly topic?: sns.ITopic;
  readonly alarms: boolean;
  readonly stateMachines: readonly MonitoredStateMachine[];
  readonly rotationFunction: lambda.IFunction;
  readonly deviceFunctions: Readonly<Record<string, lambda.IFunction>>;
  readonly throttledCallsThreshold: number;
  /** Period of the pending-rotation metrics (the scan's interval): one datapoint per scan. */
  readonly pendingScanEvery: Duration;
  readonly dashboard: boolean;
}

/** One of the rotator's own metrics (lambda/metrics/metrics.ts), with the dimensions every function emits. */
export function rotatorMetric(rotatorName: string, metricName: string, statistic: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, [ROTATOR_DIMENSION]: rotatorName },
    statistic,
    period,
  });
}


/**
 * The alarms (cdk-monitoring-constructs), each notifying the topic, and the dashboard of the same metrics:
 * failed, timed-out and aborted executions per state machine; errors of the rotation function and of each device
 * function; throttled AWS calls; drifted devices; rotations pending too long.
 */
export function createAlarmsAndDashboard(scope: Construct, args: AlarmsArgs): { facade: MonitoringFacade; dashboardName?: string } {
  const dashboards = new DefaultDashboardFactory(scope, 'Dashboards', {
    dashboardNamePrefix: args.rotatorName,
    createDashboard: args.dashboard,
    createSummaryDashboard: false,
    createAlarmDashboard: false,
  });
  // With alarms off, the same segments make the dashboard alone.
  const above = (threshold: number): Record<string, CustomThreshold> =>
    args.alarms ? { Critical: { threshold, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD } } : {};
  const anyError: Record<string, ErrorCountThreshold> = args.alarms ? { Critical: { maxErrorCount: 0 } } : {};
  const facade = new MonitoringFacade(scope, 'Monitoring', {
    alarmFactoryDefaults: {
      alarmNamePrefix: args.rotatorName,
      actionsEnabled: true,
      ...(args.topic === undefined ? {} : { action: new SnsAlarmActionStrategy({ onAlarmTopic: args.topic }) }),
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
    },
    dashboardFactory: dashboards,
  });
  for (const { machine, label } of args.stateMachines) {
    facade.monitorStepFunction({
      stateMachine: machine,
      alarmFriendlyName: `${label}-state-machine`,
      humanReadableName: `${label} state machine`,
      addFailedExecutionCountAlarm: anyError,
      addTimedOutExecutionCountAlarm: anyError,
      addAbortedExecutionCountAlarm: anyError,
    });
  }
  facade.monitorLambdaFunction({ lambdaFunction: args.rotationFunction, alarmFriendlyName: 'rotation-function', humanReadableName: 'Rotation function', addFaultCountAlarm: anyError });
  for (const [vendor, fn] of Object.entries(args.deviceFunctions)) {
    facade.monitorLambdaFunction({ lambdaFunction: fn, alarmFriendlyName: `device-${vendor}`, humanReadableName: `Device function ${vendor}`, addFaultCountAlarm: anyError });
  }
  const metric = (name: string, statistic: string, period: Duration) => rotatorMetric(args.rotatorName, name, statistic, period);
  facade.monitorCustom({
    alarmFriendlyName: 'rotator',
    humanReadableName: 'Device password rotator',
    metricGroups: [
      {
        title: 'AWS calls throttled',
        metrics: [{ metric: metric(METRIC.awsCallsThrottled, 'Sum', Duration.minutes(5)), alarmFriendlyName: 'aws-calls-throttled', addAlarm: above(args.throttledCallsThreshold) }],
      },
      {
        title: 'Devices drifted (heartbeat)',
        metrics: [{ metric: metric(METRIC.devicesDrifted, 'Sum', Duration.hours(1)), alarmFriendlyName: 'devices-drifted', addAlarm: above(0) }],
      },
      {
        title: 'Rotations pending too long',
        metrics: [
          { metric: metric(METRIC.rotationsPendingTooLong, 'Maximum', args.pendingScanEvery), alarmFriendlyName: 'rotations-pending-too-long', addAlarm: above(0) },
          metric(METRIC.oldestPendingRotationAge, 'Maximum', args.pendingScanEvery),
        ],
      },
    ],
  });
  return { facade, dashboardName: dashboards.dashboard === undefined ? undefined : args.rotatorName };
}
