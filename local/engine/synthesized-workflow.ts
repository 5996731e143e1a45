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

export type WorkflowSurface = 'rotation' | 'console';

export interface SynthesizedWorkflow {
  /** The Amazon States Language definition of each state machine, exactly as CDK synthesized it, references resolved. */
  readonly definitions: Readonly<Record<WorkflowSurface, Record<string, unknown>>>;
  /** The console state machine's definition (rotate, verify). */
  readonly definition: Record<string, unknown>;
  readonly functions: readonly SynthesizedFunction[];
  /** The device ledger table's key schema and name attribute, as synthesized. */
  readonly ledgerTable: { readonly logicalId: string; readonly properties: Record<string, unknown> };
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

/** The two state machines of a synthesized rotator stack (told apart by their comment), the functions they call, the ledger. */
export function workflowFromTemplate(template: CfnTemplate): SynthesizedWorkflow {
  const machines = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine');
  const definitions = {} as Record<WorkflowSurface, Record<string, unknown>>;
  for (const [, machine] of machines) {
    const definition = JSON.parse(resolve(machine.Properties?.DefinitionString, template)) as Record<string, unknown>;
    const surface = String(definition.Comment ?? '').replace('device-password-rotator:', '') as WorkflowSurface;
    if (surface !== 'rotation' && surface !== 'console') throw new Error(`a state machine of the template has no known surface (Comment "${String(definition.Comment)}")`);
    definitions[surface] = definition;
  }
  if (definitions.rotation === undefined || definitions.console === undefined) {
    throw new Error(`expected a rotation and a console state machine in the template, found ${machines.length} state machine(s)`);
  }
  const functions = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const environment = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      return { logicalId, arn: localFunctionArn(logicalId), kind: String(environment.FUNCTION_KIND ?? '') };
    })
    .filter((fn) => fn.kind !== '');
  const tables = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table');
  if (tables.length !== 1) throw new Error(`expected one DynamoDB table (the device ledger) in the template, found ${tables.length}`);
  const [ledgerLogicalId, table] = tables[0];
  return { definitions, definition: definitions.console, functions, ledgerTable: { logicalId: ledgerLogicalId, properties: table.Properties ?? {} } };
}
