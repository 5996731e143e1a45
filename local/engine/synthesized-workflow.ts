import { LOCAL_ACCOUNT, LOCAL_REGION } from '../aws/protocol';

/** A CloudFormation template, as `Template.toJSON()` or `cdk synth` gives it. */
export interface CfnTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export interface SynthesizedFunction {
  readonly logicalId: string;
  /** The ARN the definition calls it by, once the template's references are resolved locally. */
  readonly arn: string;
  /** `FUNCTION_KIND` from its environment: `rotation` or `device:<vendor>`. */
  readonly kind: string;
}

export interface SynthesizedWorkflow {
  readonly stateMachineLogicalId: string;
  /** The Amazon States Language definition exactly as CDK synthesized it, references resolved. */
  readonly definition: Record<string, unknown>;
  readonly functions: readonly SynthesizedFunction[];
}

export function localFunctionArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the few intrinsic functions a definition string contains: Fn::Join, Fn::GetAtt of a function's Arn, Ref. */
function resolve(value: unknown, template: CfnTemplate): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) throw new Error(`cannot resolve ${JSON.stringify(value)} in the state machine definition`);
  const intrinsic = value as Record<string, unknown>;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolve(part, template)).join(separator);
  }
  if ('Fn::GetAtt' in intrinsic) {
    const [logicalId, attribute] = intrinsic['Fn::GetAtt'] as [string, string];
    if (attribute === 'Arn' && template.Resources[logicalId]?.Type === 'AWS::Lambda::Function') return localFunctionArn(logicalId);
    throw new Error(`the definition refers to ${logicalId}.${attribute}, which the local runner does not resolve`);
  }
  if ('Ref' in intrinsic) {
    const name = intrinsic.Ref as string;
    if (name in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[name];
    throw new Error(`the definition refers to ${name}, which the local runner does not resolve`);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} in the state machine definition`);
}

/** The one state machine of a synthesized rotator stack, and the functions it calls. */
export function workflowFromTemplate(template: CfnTemplate): SynthesizedWorkflow {
  const machines = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const [stateMachineLogicalId, machine] = machines[0];
  const definition = JSON.parse(resolve(machine.Properties?.DefinitionString, template)) as Record<string, unknown>;
  const functions = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const environment = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      return { logicalId, arn: localFunctionArn(logicalId), kind: String(environment.FUNCTION_KIND ?? '') };
    })
    .filter((fn) => fn.kind !== '');
  return { stateMachineLogicalId, definition, functions };
}
