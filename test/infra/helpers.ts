import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** The feature flags of cdk.json, so that tests synthesize what `cdk synth` does. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context;

/** cdk.json's context, with bundling skipped (the bundle is not under test). */
export const TEST_CONTEXT: Record<string, unknown> = { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] };

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const ENV = { account: ACCOUNT, region: REGION };

export const secretArn = (name: string, suffix = 'AbC123') => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`;

/** An app checked by cdk-nag's AwsSolutions pack (so `Template.fromStack` throws on any unacknowledged finding) and a stack in it. */
export function nagCheckedStack(props: StackProps = { env: ENV }, context: Record<string, unknown> = TEST_CONTEXT): { app: App; stack: Stack } {
  const app = new App({ context });
  const stack = new Stack(app, 'TestStack', props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

// ---- reading a template ------------------------------------------------------------------------------------------

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly DependsOn?: string[];
}
export type Resources = Record<string, CfnResource>;

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly Sid?: string;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function resourcesOfType(resources: Resources, type: string): [string, CfnResource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** Every function, keyed by its FUNCTION_KIND ('rotation', 'device:<vendor>'). */
export function functionsByKind(resources: Resources): Record<string, [string, CfnResource]> {
  const result: Record<string, [string, CfnResource]> = {};
  for (const [id, fn] of resourcesOfType(resources, 'AWS::Lambda::Function')) {
    const kind = fn.Properties?.Environment?.Variables?.FUNCTION_KIND;
    if (typeof kind === 'string') result[kind] = [id, fn];
  }
  return result;
}

/** The monitoring functions' kinds (infra/monitoring/): they reach AWS APIs only and run outside the VPC. */
export const MONITORING_KINDS = ['notifier', 'pending-scan'];

/** The functions that run in the VPC when one is given: every one but the monitoring functions. */
export function vpcFunctionsByKind(resources: Resources): Record<string, [string, CfnResource]> {
  return Object.fromEntries(Object.entries(functionsByKind(resources)).filter(([kind]) => !MONITORING_KINDS.includes(kind)));
}

/** All the statements that apply to a function's role: its policies' and the role's own inline policies. */
export function statementsOfFunction(resources: Resources, fn: CfnResource): Statement[] {
  const roleId = fn.Properties?.Role?.['Fn::GetAtt']?.[0];
  if (typeof roleId !== 'string') throw new Error('the function has no role of this stack');
  const role = resources[roleId]!;
  expect(role.Properties?.ManagedPolicyArns ?? []).toEqual([]);
  const inline = asArray(role.Properties?.Policies).flatMap((p: any) => asArray<Statement>(p.PolicyDocument.Statement));
  const attached = resourcesOfType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => asArray(p.Properties?.Roles).some((r: any) => r?.Ref === roleId))
    .flatMap(([, p]) => asArray<Statement>(p.Properties!.PolicyDocument.Statement));
  return [...inline, ...attached];
}

export const actionsOf = (statements: readonly Statement[]): string[] =>
  [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();

export const statementsWith = (statements: readonly Statement[], action: string): Statement[] =>
  statements.filter((s) => asArray(s.Action).includes(action));

/** The resources a set of statements grants `action` on. */
export const resourcesFor = (statements: readonly Statement[], action: string): unknown[] =>
  statementsWith(statements, action).flatMap((s) => asArray(s.Resource));
