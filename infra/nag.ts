import { Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import type { SecretRef } from './secrets';

/**
 * The cdk-nag AwsSolutions findings the rotator accepts, each with the evidence cdk-nag asks for. Everything else
 * fails synthesis.
 */
export function acknowledgeNagFindings(
  scope: IConstruct,
  args: {
    functions: readonly lambda.Function[];
    rotationFunction: lambda.Function;
    stateMachines: readonly sfn.StateMachine[];
    executionsArns: { rotation: string; console: string };
    secrets: readonly SecretRef[];
    inVpc: boolean;
    /** With enrollment by tag: the pattern of every secret, narrowed by attribute conditions. */
    taggedSecrets?: string;
  },
): void {
  const finding = (value: string) => flattenForNag(Stack.of(scope).resolve(value));
  if (args.taggedSecrets !== undefined) {
    for (const fn of args.functions) {
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${finding(args.taggedSecrets)}]`,
        reason: 'Enrollment by tag: every secret of the account, narrowed by an attribute condition (aws:ResourceTag) to those enrolled, and per device function to its vendor; the fleet is not listed.',
      });
    }
  }
  for (const fn of args.functions) {
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions without resource-level permissions use "*": xray:PutTraceSegments/PutTelemetryRecords (active tracing)' +
        (args.inVpc ? ', the EC2 network-interface actions Lambda needs to run in a VPC' : '') +
        (fn === args.rotationFunction ? ', and secretsmanager:GetRandomPassword, which acts on no resource' : '') +
        '.',
    });
    for (const secret of args.secrets.filter((s) => s.partial)) {
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${finding(secret.policyArn)}]`,
        reason:
          'A secret given by partial ARN: Secrets Manager appends "-" and 6 random characters to every secret ARN, ' +
          'and "-??????" matches exactly those 6 characters of this one secret.',
      });
    }
  }
  const rotationRole = args.rotationFunction.role!;
  Validations.of(rotationRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${finding(args.executionsArns.rotation)}]`,
    reason:
      'states:DescribeExecution and GetExecutionHistory (to name the failed state) on the executions of this one state machine: execution names are chosen at run time ' +
      '(one per rotation token), so the execution ARN can only end in a wildcard.',
  });
  Validations.of(rotationRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${finding(args.executionsArns.console)}]`,
    reason: 'states:DescribeExecution of the console executions: a device lease held by one is taken over only once it has ended.',
  });
  for (const machine of args.stateMachines) {
    Validations.of(machine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions needs logs:CreateLogDelivery and related log-delivery actions, and X-Ray needs ' +
        'xray:PutTraceSegments and related actions, none of which support resource-level permissions.',
    });
    for (const fn of args.functions) {
      Validations.of(machine.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${finding(fn.functionArn)}:*]`,
        reason: `lambda:InvokeFunction on the versions and aliases of ${fn.node.id} only (the grant CDK makes for a LambdaInvoke task).`,
      });
    }
  }
}

/** Renders a resolved CloudFormation value the way cdk-nag names it in a finding (`<Logical.Attr>`, `<AWS::Region>`). */
export function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flattenForNag).join(delimiter);
    }
    if (node['Fn::Sub'] !== undefined) return flattenForNag(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenForNag(resource)}.${flattenForNag(attribute)}>`;
    }
    if (node['Fn::ImportValue'] !== undefined) return flattenForNag(node['Fn::ImportValue']);
    if (node.Ref !== undefined) return `<${flattenForNag(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
