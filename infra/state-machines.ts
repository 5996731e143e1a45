import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DEVICE_FUNCTION_TIMEOUT, ROTATION_FUNCTION_TIMEOUT } from './functions';
import type { RotatorLogGroups } from './log-groups';
import { flattenForNag } from './nag';
import { buildRotationWorkflow, type WorkflowSurface } from './rotation-workflow';

/** A state machine's ARN and the ARN pattern of its executions, known before it exists. */
export interface MachineArns {
  readonly name: string;
  readonly arn: string;
  readonly executions: string;
}

export type WorkflowArns = Readonly<Record<WorkflowSurface, MachineArns>>;

/**
 * The ARNs of both state machines, from their fixed names. The state machines invoke the rotation function (their
 * definitions hold its ARN), and the rotation function starts the rotation state machine (its environment and role
 * policy hold that ARN). Referencing `stateMachine.stateMachineArn` would make each resource depend on the other; a
 * fixed name makes the ARN a plain string of pseudo parameters, so nothing refers back to it.
 */
export function workflowArns(scope: Construct, rotationName: string): WorkflowArns {
  const stack = Stack.of(scope);
  const arns = (name: string): MachineArns => ({
    name,
    arn: stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    executions: stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
  });
  return { rotation: arns(rotationName), console: arns(`${rotationName}-console`) };
}

export interface StateMachineSettings {
  readonly rotationFunction: lambda.IFunction;
  readonly deviceFunctions: Readonly<Record<string, lambda.IFunction>>;
  readonly key: kms.IKey;
  readonly logGroups: RotatorLogGroups;
  /** @default Duration.hours(1) */
  readonly timeout?: Duration;
}

/** One Standard state machine per surface, encrypted with the key, traced, logged at ALL without execution data. */
export function createStateMachine(scope: Construct, surface: WorkflowSurface, arns: MachineArns, settings: StateMachineSettings): sfn.StateMachine {
  const id = surface === 'rotation' ? 'StateMachine' : 'ConsoleStateMachine';
  return new sfn.StateMachine(scope, id, {
    stateMachineName: arns.name,
    stateMachineType: sfn.StateMachineType.STANDARD,
    comment: `device-password-rotator:${surface}`,
    definitionBody: sfn.DefinitionBody.fromChainable(
      buildRotationWorkflow(new Construct(scope, surface === 'rotation' ? 'Workflow' : 'ConsoleWorkflow'), {
        rotationFunction: settings.rotationFunction,
        deviceFunctions: settings.deviceFunctions,
        surface,
        deviceFunctionTimeout: DEVICE_FUNCTION_TIMEOUT,
        rotationFunctionTimeout: ROTATION_FUNCTION_TIMEOUT,
      }),
    ),
    timeout: settings.timeout ?? Duration.hours(1),
    tracingEnabled: true,
    logs: { destination: settings.logGroups.create(`${id}Logs`, settings.logGroups.names.stateMachine(arns.name)), level: sfn.LogLevel.ALL, includeExecutionData: false },
    encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(settings.key),
  });
}

/**
 * Lets an operator use the console: start `rotate`, `verify`, `abandon` and `heartbeat` executions of the console
 * state machine and follow them; nothing of the rotation state machine.
 */
export function grantConsoleTo(grantee: iam.IGrantable, console: MachineArns): iam.Grant {
  const grant = iam.Grant.addToPrincipal({ grantee, actions: ['states:StartExecution'], resourceArns: [console.arn] });
  grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resourceArns: [console.executions] }));
  if (Construct.isConstruct(grantee)) {
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenForNag(Stack.of(grantee).resolve(console.executions))}]`,
      reason: 'states:DescribeExecution and GetExecutionHistory on the executions of the rotator console state machine only: execution names are chosen at run time.',
    });
  }
  return grant;
}
