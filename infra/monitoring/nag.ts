import { Stack, Validations } from 'aws-cdk-lib';
import { flattenForNag } from '../nag';
import type { WorkflowArns } from '../state-machines';
import type { MonitoredSecrets } from './monitored';
import type { RotatorMonitoring } from './monitoring';

/** The cdk-nag AwsSolutions findings the monitoring functions accept, each with its reason. */
export function acknowledgeMonitoringNagFindings(monitoring: RotatorMonitoring, args: { workflow: WorkflowArns; secrets: MonitoredSecrets }): void {
  for (const fn of monitoring.functions) {
    const finding = (value: string) => flattenForNag(Stack.of(fn).resolve(value));
    const role = fn.role!;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions without resource-level permissions use "*": xray:PutTraceSegments/PutTelemetryRecords (active tracing)' +
        (fn === monitoring.pendingScanner ? ', and secretsmanager:ListSecrets (returns names, tags and version stages, never a value)' : '') +
        '.',
    });
    if (args.secrets.tagged !== undefined) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${finding(args.secrets.tagged.anySecret)}]`,
        reason: 'Enrollment by tag: every secret of the account, narrowed by an attribute condition (aws:ResourceTag) to the enrolled ones; the fleet is not listed.',
      });
    }
    for (const arn of args.secrets.policyArns.filter((a) => a.endsWith('-??????'))) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${finding(arn)}]`,
        reason: 'A secret given by partial ARN: "-??????" matches exactly the 6 characters Secrets Manager appends to this one secret.',
      });
    }
  }
  if (monitoring.notifier !== undefined) {
    const role = monitoring.notifier.role!;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: "Publishing to a topic encrypted with a customer-managed key takes kms:GenerateDataKey* on that key (the grant CDK's topic.grantPublish makes), on the topic's key only.",
    });
    for (const machine of Object.values(args.workflow)) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${flattenForNag(Stack.of(role).resolve(machine.executions))}]`,
        reason: `states:DescribeExecution and GetExecutionHistory of the failed executions of ${machine.name} only, to name the failed state and error in the message: execution names are chosen at run time.`,
      });
    }
  }
}
