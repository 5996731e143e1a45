import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { VENDORS } from '../../lambda/device/types';
import { vendorModules } from '../../lambda/vendors';
import {
  DevicePasswordRotator,
  type DevicePasswordRotatorProps,
  renderRotationRules,
  type RotationScheduleSetting,
  rotationScheduleProblem,
  SEAL_PURPOSE,
} from '../../infra/device-password-rotator';
import {
  ACCOUNT,
  actionsOf,
  asArray,
  functionsByKind,
  MONITORING_KINDS,
  vpcFunctionsByKind,
  nagCheckedStack,
  REGION,
  type CfnResource,
  type Resources,
  resourcesFor,
  resourcesOfType,
  secretArn,
  statementsOfFunction,
  statementsWith,
} from './helpers';

const ROUTER = secretArn('network/router-1');
const MDM = secretArn('network/mdm', 'XyZ789');
const ADMIN = secretArn('network/sdwan-admin', 'Pq1234');

interface Built {
  readonly stack: Stack;
  readonly rotator: DevicePasswordRotator;
  readonly template: Template;
  readonly resources: Resources;
}

/**
 * Builds a rotator in a nag-checked app. `Template.fromStack` runs the AwsSolutions checks: every configuration
 * built here is also a configuration cdk-nag passes.
 */
function build(props: (stack: Stack) => Partial<DevicePasswordRotatorProps> = () => ({})): Built {
  const { stack } = nagCheckedStack();
  const given = props(stack);
  const rotator = new DevicePasswordRotator(stack, 'Rotator', {
    ...given,
    secrets: given.secrets ?? [
      { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Router', ROUTER) },
      { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Mdm', MDM), schedule: Duration.days(7) },
    ],
  });
  const template = Template.fromStack(stack);
  return { stack, rotator, template, resources: template.toJSON().Resources };
}

/** The one unchanging build most tests read. */
let base: Built;
beforeAll(() => {
  base = build();
});

const DEVICE_KINDS = VENDORS.map((vendor) => `device:${vendor}`);
const ALL_KINDS = ['rotation', 'heartbeat', ...DEVICE_KINDS];

describe('functions', () => {
  it('has the rotation function, the heartbeat dispatcher, the monitoring functions and one device function per vendor', () => {
    expect(Object.keys(functionsByKind(base.resources)).sort()).toEqual([...ALL_KINDS, ...MONITORING_KINDS].sort());
    expect(Object.keys(base.rotator.deviceFunctions).sort()).toEqual([...VENDORS].sort());
  });

  it.each(ALL_KINDS)('%s: Node.js 22 on arm64, active tracing, 256 MB, its own log group', (kind) => {
    const [, fn] = functionsByKind(base.resources)[kind]!;
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 256,
      Timeout: { rotation: 900, heartbeat: 300 }[kind] ?? 60,
      LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
    });
    const logGroup = base.resources[fn.Properties!.LoggingConfig.LogGroup.Ref]!;
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } });
  });

  it('gives every function FUNCTION_KIND and POWERTOOLS_SERVICE_NAME, the rotation function STATE_MACHINE_ARN, device functions SEAL_KEY_ID', () => {
    const keyId = base.stack.getLogicalId(base.rotator.encryptionKey.node.defaultChild as kms.CfnKey);
    for (const kind of ALL_KINDS) {
      const variables = functionsByKind(base.resources)[kind]![1].Properties!.Environment.Variables;
      expect(variables).toMatchObject({ FUNCTION_KIND: kind, POWERTOOLS_SERVICE_NAME: 'device-password-rotator' });
      if (kind === 'rotation') {
        expect(base.stack.resolve(base.rotator.stateMachineArn)).toEqual(variables.STATE_MACHINE_ARN);
        expect(variables.SEAL_KEY_ID).toBeUndefined();
      } else if (kind === 'heartbeat') {
        expect(base.stack.resolve(base.rotator.consoleStateMachineArn)).toEqual(variables.CONSOLE_STATE_MACHINE_ARN);
        expect(variables.SEAL_KEY_ID).toBeUndefined();
      } else {
        expect(variables.SEAL_KEY_ID).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
        expect(variables.STATE_MACHINE_ARN).toBeUndefined();
      }
    }
  });
});

describe('the rotation function waiting for its executions', () => {
  it('polls every 2 s by default, or at the interval given', () => {
    const pollOf = (built: Built) => functionsByKind(built.resources).rotation![1].Properties!.Environment.Variables.EXECUTION_POLL_MS;
    expect(pollOf(base)).toBe('2000');
    expect(pollOf(build(() => ({ executionPollInterval: Duration.millis(500) })))).toBe('500');
  });
});

describe('the state machine ARN cycle', () => {
  it('names the state machine so that the rotation function knows its ARN without referring to it', () => {
    const [smId, sm] = resourcesOfType(base.resources, 'AWS::StepFunctions::StateMachine')[0]!;
    const name: string = sm.Properties!.StateMachineName;
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    const [, rotation] = functionsByKind(base.resources).rotation!;
    const arn = JSON.stringify(rotation.Properties!.Environment.Variables.STATE_MACHINE_ARN);
    expect(arn).toContain(`:states:${REGION}:${ACCOUNT}:stateMachine:${name}`);
    // Neither the environment nor the role policy refers to the state machine resource.
    const policies = statementsOfFunction(base.resources, rotation);
    expect(JSON.stringify([rotation, policies])).not.toContain(smId);
  });
});

describe('IAM: device functions', () => {
  it.each(DEVICE_KINDS)('%s reads exactly the rotated secrets and writes none', (kind) => {
    const statements = statementsOfFunction(base.resources, functionsByKind(base.resources)[kind]![1]);
    const secretActions = actionsOf(statements).filter((a) => a.startsWith('secretsmanager:'));
    expect(secretActions).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(actionsOf(statements).filter((a) => /^secretsmanager:(Put|Update|Create|Delete|Rotate|Restore|Tag|Untag)/.test(a))).toEqual([]);
    for (const action of secretActions) expect(resourcesFor(statements, action).sort()).toEqual([ROUTER, MDM].sort());
    expect(actionsOf(statements)).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        ...secretActions,
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it.each(DEVICE_KINDS)('%s reads and writes the device ledger table only, its key only through DynamoDB', (kind) => {
    const statements = statementsOfFunction(base.resources, functionsByKind(base.resources)[kind]![1]);
    const ledgerId = base.stack.getLogicalId(base.rotator.ledgerTable.node.defaultChild as dynamodb.CfnTable);
    expect(resourcesFor(statements, 'dynamodb:PutItem')).toEqual([{ 'Fn::GetAtt': [ledgerId, 'Arn'] }]);
    const viaDynamoDb = statements.filter((st) => asArray(st.Action).includes('kms:GenerateDataKey'));
    expect(viaDynamoDb).toHaveLength(1);
    expect(viaDynamoDb[0]!.Condition).toEqual({ StringEquals: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` } });
  });

  it.each(DEVICE_KINDS)('%s may seal only with the seal context: purpose, a rotated secret, an execution of this state machine', (kind) => {
    const statements = statementsOfFunction(base.resources, functionsByKind(base.resources)[kind]![1]);
    const [seal, ...others] = statementsWith(statements, 'kms:Encrypt').filter((st) => st.Condition?.StringEquals?.['kms:ViaService'] === undefined);
    expect(others).toEqual([]);
    expect(asArray(seal!.Action).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt']);
    expect(seal!.Condition!.StringEquals).toEqual({ 'kms:EncryptionContext:purpose': SEAL_PURPOSE });
    expect(seal!.Condition!.StringLike!['kms:EncryptionContext:secretArn']).toEqual([ROUTER, MDM]);
    // Executions of either state machine (the console's rotate runs the same device tasks).
    const executions = JSON.stringify(seal!.Condition!.StringLike!['kms:EncryptionContext:execution']);
    expect(executions).toMatch(/:execution:[A-Za-z0-9_-]+:\*"/);
    expect(executions).toMatch(/:execution:[A-Za-z0-9_-]+-console:\*"/);
  });

  it('adds privileged secrets as read-only for the device functions and nothing for the rotation function', () => {
    const { resources } = build((stack) => ({ privilegedSecrets: [secretsmanager.Secret.fromSecretCompleteArn(stack, 'Admin', ADMIN)] }));
    for (const kind of DEVICE_KINDS) {
      const statements = statementsOfFunction(resources, functionsByKind(resources)[kind]![1]);
      expect(resourcesFor(statements, 'secretsmanager:GetSecretValue').sort()).toEqual([ROUTER, MDM, ADMIN].sort());
      expect(JSON.stringify(statementsWith(statements, 'kms:Encrypt'))).not.toContain(ADMIN);
    }
    const rotation = statementsOfFunction(resources, functionsByKind(resources).rotation![1]);
    expect(JSON.stringify(rotation)).not.toContain(ADMIN);
  });
});

describe('IAM: rotation function', () => {
  const statements = () => statementsOfFunction(base.resources, functionsByKind(base.resources).rotation![1]);

  it('has exactly the rotation actions, on exactly the rotated secrets', () => {
    const writes = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'];
    const onSecrets = statements().filter((s) => asArray(s.Action).some((a) => writes.includes(a)));
    expect(onSecrets).toHaveLength(1);
    expect(asArray(onSecrets[0]!.Action).sort()).toEqual(writes);
    expect(asArray(onSecrets[0]!.Resource).sort()).toEqual([ROUTER, MDM].sort());
    expect(resourcesFor(statements(), 'secretsmanager:GetRandomPassword')).toEqual(['*']);
  });

  it('starts only the rotation state machine, reads the executions of both, and lists none', () => {
    const machines = resourcesOfType(base.resources, 'AWS::StepFunctions::StateMachine').map(([, r]) => r.Properties!.StateMachineName as string);
    const name = machines.find((m) => !m.endsWith('-console')) as string;
    expect(machines.sort()).toEqual([name, `${name}-console`].sort());
    expect(actionsOf(statements()).filter((a) => a.startsWith('states:'))).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StartExecution']);
    expect(JSON.stringify(resourcesFor(statements(), 'states:StartExecution'))).toMatch(new RegExp(`:stateMachine:${name}"\\]$`));
    const described = JSON.stringify(resourcesFor(statements(), 'states:DescribeExecution'));
    expect(described).toMatch(new RegExp(`:execution:${name}:\\*"`));
    expect(described).toMatch(new RegExp(`:execution:${name}-console:\\*"`));
  });

  it('grantConsole lets an operator start the console state machine only, and follow its executions', () => {
    const { stack } = nagCheckedStack();
    const rotator = new DevicePasswordRotator(stack, 'Rotator', { secrets: [], stateMachineName: 'Rotator' });
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    rotator.grantConsole(role);
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    const policy = resourcesOfType(resources, 'AWS::IAM::Policy').find(([, p]) => JSON.stringify(p.Properties!.Roles).includes(roleId))![1];
    const statements = policy.Properties!.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>;
    expect(statements.flatMap((st) => asArray(st.Action)).sort()).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StartExecution']);
    const started = JSON.stringify(statements.filter((st) => asArray(st.Action).includes('states:StartExecution')).map((st) => st.Resource));
    expect(started).toContain(':stateMachine:Rotator-console');
    expect(started).not.toMatch(/:stateMachine:Rotator"/);
  });

  it('has no other action', () => {
    expect(actionsOf(statements())).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetRandomPassword',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
        'states:StartExecution',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    // Its KMS use is the state machines' execution data, and the ledger through DynamoDB (no secrets key here).
    for (const s of statementsWith(statements(), 'kms:Decrypt')) {
      expect([['kms:EncryptionContext:aws:states:stateMachineArn'], ['kms:ViaService']]).toContainEqual(Object.keys(s.Condition!.StringEquals!));
    }
  });

  it('may be invoked by Secrets Manager from this account only', () => {
    const [rotationId] = functionsByKind(base.resources).rotation!;
    base.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: ACCOUNT,
      FunctionName: { 'Fn::GetAtt': [rotationId, 'Arn'] },
    });
    const onRotation = resourcesOfType(base.resources, 'AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties!.FunctionName).includes(rotationId));
    expect(onRotation).toHaveLength(1);
  });

  it('uses a customer-managed secrets key only through Secrets Manager, only for the rotated secrets', () => {
    const { resources, stack } = build((s) => ({
      secretsKey: kms.Key.fromKeyArn(s, 'SecretsKey', `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`),
    }));
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
    const viaSecretsManager = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` };
    const rotation = statementsOfFunction(resources, functionsByKind(resources).rotation![1]).filter((s) => s.Resource === keyArn);
    expect(rotation).toHaveLength(1);
    expect(asArray(rotation[0]!.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(rotation[0]!.Condition).toEqual({ StringEquals: viaSecretsManager, StringLike: { 'kms:EncryptionContext:SecretARN': [ROUTER, MDM] } });
    for (const kind of DEVICE_KINDS) {
      const device = statementsOfFunction(resources, functionsByKind(resources)[kind]![1]).filter((s) => s.Resource === keyArn);
      expect(device.map((s) => s.Action)).toEqual(['kms:Decrypt']);
      expect(device[0]!.Condition!.StringEquals).toEqual(viaSecretsManager);
    }
    expect(stack).toBeDefined();
  });

  it('names a secret given by partial ARN with the -?????? suffix, and cdk-nag accepts it with a reason', () => {
    const partial = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:network/by-name`;
    const { resources } = build((stack) => ({
      secrets: [{ secret: secretsmanager.Secret.fromSecretPartialArn(stack, 'ByName', partial) }],
    }));
    const rotation = statementsOfFunction(resources, functionsByKind(resources).rotation![1]);
    expect(resourcesFor(rotation, 'secretsmanager:PutSecretValue')).toEqual([`${partial}-??????`]);
    // The schedule names the secret as given.
    expect(resourcesOfType(resources, 'AWS::SecretsManager::RotationSchedule')[0]![1].Properties!.SecretId).toBe(partial);
  });
});

describe('state machine', () => {
  it('is a Standard state machine with X-Ray, full logging without execution data, and the timeout', () => {
    base.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } }],
      },
    });
    const [, sm] = resourcesOfType(base.resources, 'AWS::StepFunctions::StateMachine')[0]!;
    expect(JSON.stringify(sm.Properties!.DefinitionString)).toContain('\\"TimeoutSeconds\\":3600');
  });

  it('is encrypted with the customer-managed key, as is its log group; the key rotates', () => {
    const keyId = base.stack.getLogicalId(base.rotator.encryptionKey.node.defaultChild as kms.CfnKey);
    base.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    base.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      EncryptionConfiguration: { Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
    const [, sm] = resourcesOfType(base.resources, 'AWS::StepFunctions::StateMachine')[0]!;
    const logGroupId = sm.Properties!.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(base.resources[logGroupId]!.Properties).toMatchObject({
      KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      LogGroupName: `/aws/vendedlogs/states/${sm.Properties!.StateMachineName}`,
    });
  });

  it('lets CloudWatch Logs use the key for the rotator log groups only', () => {
    const key = resourcesOfType(base.resources, 'AWS::KMS::Key')[0]![1];
    const forLogs = key.Properties!.KeyPolicy.Statement.find((s: any) => JSON.stringify(s.Principal).includes('logs.'));
    const names = resourcesOfType(base.resources, 'AWS::Logs::LogGroup').map(([, g]) => g.Properties!.LogGroupName as string);
    expect(names).toHaveLength(2 + ALL_KINDS.length + MONITORING_KINDS.length);
    const allowed = JSON.stringify(forLogs.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']);
    for (const name of names) expect(allowed).toContain(`:log-group:${name}"`);
  });

  it('uses a key given instead of creating one', () => {
    const { resources, stack } = build((s) => ({ encryptionKey: new kms.Key(s, 'MyKey', { enableKeyRotation: true }) }));
    // The notification topic's key is its own (infra/monitoring/topic.ts).
    expect(resourcesOfType(resources, 'AWS::KMS::Key').filter(([id]) => !id.includes('NotificationsKey'))).toHaveLength(1);
    const keyId = stack.getLogicalId(stack.node.findChild('MyKey').node.defaultChild as kms.CfnKey);
    const [, sm] = resourcesOfType(resources, 'AWS::StepFunctions::StateMachine')[0]!;
    expect(sm.Properties!.EncryptionConfiguration.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
  });
});

describe('rotation schedules', () => {
  const schedules = (resources: Resources): Record<string, CfnResource> =>
    Object.fromEntries(resourcesOfType(resources, 'AWS::SecretsManager::RotationSchedule').map(([, r]) => [r.Properties!.SecretId, r]));

  it('turns Durations into AutomaticallyAfterDays (default 30 days), points at the rotation function, does not rotate on deploy', () => {
    const [rotationId] = functionsByKind(base.resources).rotation!;
    const bySecret = schedules(base.resources);
    expect(bySecret[ROUTER]!.Properties).toEqual({
      SecretId: ROUTER,
      RotationLambdaARN: { 'Fn::GetAtt': [rotationId, 'Arn'] },
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediatelyOnUpdate: false,
    });
    expect(bySecret[MDM]!.Properties!.RotationRules).toEqual({ AutomaticallyAfterDays: 7 });
  });

  it('waits for the invoke permission and the functions before enabling rotation', () => {
    const permissionId = resourcesOfType(base.resources, 'AWS::Lambda::Permission')[0]![0];
    const [smId] = resourcesOfType(base.resources, 'AWS::StepFunctions::StateMachine')[0]!;
    for (const schedule of Object.values(schedules(base.resources))) {
      expect(schedule.DependsOn).toEqual(expect.arrayContaining([permissionId, smId, functionsByKind(base.resources).rotation![0]]));
    }
  });

  it('turns an expression into ScheduleExpression, with its window as Duration', () => {
    const { resources } = build((stack) => ({
      schedule: { expression: 'cron(0 2 ? * SUN *)', window: Duration.hours(3) },
      secrets: [
        { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Router', ROUTER) },
        { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Mdm', MDM), schedule: 'rate(12 hours)' },
      ],
    }));
    const bySecret = schedules(resources);
    expect(bySecret[ROUTER]!.Properties!.RotationRules).toEqual({ ScheduleExpression: 'cron(0 2 ? * SUN *)', Duration: '3h' });
    expect(bySecret[MDM]!.Properties!.RotationRules).toEqual({ ScheduleExpression: 'rate(12 hours)' });
  });

  it('refuses a schedule Secrets Manager would refuse, naming the field', () => {
    expect(() => build(() => ({ schedule: Duration.hours(2) }))).toThrow(/Rotator: schedule: must be at least 4 hours/);
    expect(() =>
      build((stack) => ({
        secrets: [
          { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'A', ROUTER) },
          { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'B', MDM), schedule: 'cron(30 2 * * ? *)' },
        ],
      })),
    ).toThrow(/secrets\[1\]\.schedule: "cron\(30 2 \* \* \? \*\)": the minutes field must be 0/);
  });

  it('refuses a secret given twice', () => {
    expect(() =>
      build((stack) => ({
        secrets: [
          { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'A', ROUTER) },
          { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'B', ROUTER) },
        ],
      })),
    ).toThrow(/is given more than once/);
  });

  it('rotates a secret created in the same stack (cdk-nag SMG4 sees its rotation schedule)', () => {
    const { resources } = build((stack) => ({ secrets: [{ secret: new secretsmanager.Secret(stack, 'Owned') }] }));
    const [ownedId] = resourcesOfType(resources, 'AWS::SecretsManager::Secret')[0]!;
    expect(resourcesOfType(resources, 'AWS::SecretsManager::RotationSchedule')[0]![1].Properties!.SecretId).toEqual({ Ref: ownedId });
  });
});

describe('renderRotationRules', () => {
  it.each([
    [Duration.days(30), { automaticallyAfterDays: 30 }],
    [Duration.days(1000), { automaticallyAfterDays: 1000 }],
    [Duration.hours(48), { automaticallyAfterDays: 2 }],
    [Duration.hours(4), { scheduleExpression: 'rate(4 hours)' }],
    ['rate(10 days)', { scheduleExpression: 'rate(10 days)', duration: undefined }],
    ['cron(0 4/6 * * ? *)', { scheduleExpression: 'cron(0 4/6 * * ? *)', duration: undefined }],
    [{ expression: 'rate(6 hours)', window: Duration.hours(6) }, { scheduleExpression: 'rate(6 hours)', duration: '6h' }],
    [{ expression: 'cron(0 20 L * ? *)', window: Duration.hours(4) }, { scheduleExpression: 'cron(0 20 L * ? *)', duration: '4h' }],
  ] as [RotationScheduleSetting, object][])('%s', (schedule, rules) => {
    expect(renderRotationRules(schedule)).toEqual(rules);
  });

  it.each([
    [Duration.hours(3), /at least 4 hours/],
    [Duration.minutes(270), /whole number of hours/],
    [Duration.hours(30), /whole days or 4 to 23 hours/],
    [Duration.days(1001), /at most 1000 days/],
    ['rate(2 hours)', /4 to 23 hours/],
    ['rate(1000 days)', /1 to 999 days/],
    ['rate(5 minutes)', /is not a schedule/],
    ['every day', /is not a schedule/],
    ['cron(0 2 * * ?)', /6 fields/],
    ['cron(0 2 * * ? 2030)', /year field must be \*/],
    ['cron(0 2 1 * MON *)', /must be \?/],
    ['cron(0 * * * ? *)', /more often than every 4 hours/],
    ['cron(0 0,22 * * ? *)', /more often than every 4 hours/],
    ['cron(0 x * * ? *)', /cannot read the hours field/],
    [{ expression: 'rate(4 hours)', window: Duration.hours(5) }, /run into the next rotation window/],
    [{ expression: 'cron(0 22 * * ? *)', window: Duration.hours(3) }, /next UTC day/],
    [{ expression: 'rate(1 day)', window: Duration.minutes(90) }, /window must be a whole number of hours/],
  ] as [RotationScheduleSetting, RegExp][])('refuses %s', (schedule, problem) => {
    expect(rotationScheduleProblem(schedule)).toMatch(problem);
  });
});

describe('VPC', () => {
  const vpcOf = (stack: Stack) =>
    ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: [`${REGION}a`, `${REGION}b`],
      privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
    });

  it('puts no function in a VPC by default', () => {
    for (const [, fn] of Object.values(functionsByKind(base.resources))) expect(fn.Properties!.VpcConfig).toBeUndefined();
    expect(resourcesOfType(base.resources, 'AWS::EC2::VPCEndpoint')).toEqual([]);
  });

  it('puts the rotation function and every device function in the given subnets and security groups', () => {
    const { resources } = build((stack) => ({
      vpc: vpcOf(stack),
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0', { mutable: false })],
    }));
    for (const kind of ALL_KINDS) {
      const [, fn] = functionsByKind(resources)[kind]!;
      expect(fn.Properties!.VpcConfig).toEqual({
        SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
        SecurityGroupIds: ['sg-0123456789abcdef0'],
      });
      // Lambda's network-interface actions, as an inline statement rather than AWSLambdaVPCAccessExecutionRole.
      const statements = statementsOfFunction(resources, fn);
      expect(resourcesFor(statements, 'ec2:CreateNetworkInterface')).toEqual(['*']);
    }
    expect(resourcesOfType(resources, 'AWS::EC2::VPCEndpoint')).toEqual([]);
  });

  it('creates a security group per function when none is given', () => {
    const { resources } = build((stack) => ({ vpc: vpcOf(stack) }));
    expect(resourcesOfType(resources, 'AWS::EC2::SecurityGroup')).toHaveLength(ALL_KINDS.length);
  });

  it('creates interface endpoints for Secrets Manager, Step Functions, KMS and DynamoDB, open to the functions only', () => {
    const { resources } = build((stack) => ({ vpc: vpcOf(stack), createVpcEndpoints: true }));
    const endpoints = resourcesOfType(resources, 'AWS::EC2::VPCEndpoint').map(([, e]) => e.Properties!);
    const service = (e: Record<string, unknown>) => JSON.stringify(e.ServiceName).match(/\.(secretsmanager|states|kms|dynamodb)"/)?.[1];
    expect(endpoints.map(service).sort()).toEqual(['dynamodb', 'kms', 'secretsmanager', 'states']);
    for (const e of endpoints) {
      // DynamoDB's interface endpoint is addressed by its own DNS name (below), so it works in any VPC.
      expect(e).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: service(e) !== 'dynamodb', VpcId: 'vpc-0123456789abcdef0' });
    }
    for (const [, fn] of Object.values(vpcFunctionsByKind(resources))) {
      expect(JSON.stringify(fn.Properties!.Environment.Variables.AWS_ENDPOINT_URL_DYNAMODB)).toMatch(/DnsEntries/);
    }
    const ingress = resourcesOfType(resources, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties!);
    expect(ingress).toHaveLength(4 * ALL_KINDS.length);
    for (const rule of ingress) {
      expect(rule).toMatchObject({ FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.any(String), 'GroupId'] } });
      expect(rule.CidrIp).toBeUndefined();
    }
  });

  it('runs the conversation vendors\' device functions in the one subnet singleEgressSubnets selects, the others in vpcSubnets', () => {
    const { resources } = build((stack) => ({ vpc: vpcOf(stack), singleEgressSubnets: { subnetFilters: [ec2.SubnetFilter.byIds(['subnet-0fedcba9876543210'])] } }));
    for (const vendor of vendorModules()) {
      const [, fn] = functionsByKind(resources)[`device:${vendor.id}`]!;
      const expected = vendor.work === 'conversation' ? ['subnet-0fedcba9876543210'] : ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'];
      expect(`${vendor.id}: ${JSON.stringify(fn.Properties!.VpcConfig.SubnetIds)}`).toBe(`${vendor.id}: ${JSON.stringify(expected)}`);
    }
    expect(vendorModules().some((vendor) => vendor.work === 'conversation')).toBe(true);
  });

  it('refuses singleEgressSubnets that select more than one subnet, or no VPC', () => {
    expect(() => build((stack) => ({ vpc: vpcOf(stack), singleEgressSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }))).toThrow(
      /singleEgressSubnets must select exactly one subnet \(it selects 2\)/,
    );
    expect(() => build(() => ({ singleEgressSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }))).toThrow(/need a vpc/);
  });

  it('refuses createVpcEndpoints without a VPC', () => {
    expect(() => build(() => ({ createVpcEndpoints: true }))).toThrow(/createVpcEndpoints needs a vpc/);
  });
});

describe('cdk-nag', () => {
  it('passes every configuration above (Template.fromStack would have thrown)', () => {
    expect(base.template).toBeDefined();
  });

  it('fails a deliberately wrong configuration: a given key without automatic rotation', () => {
    const { app, stack } = nagCheckedStack();
    new DevicePasswordRotator(stack, 'Rotator', {
      secrets: [{ secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Router', ROUTER) }],
      encryptionKey: new kms.Key(stack, 'KeyWithoutRotation'),
    });
    expect(() => Template.fromStack(stack)).toThrow(/AwsSolutions-KMS5/);
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath)])).toEqual([
      ['AwsSolutions-KMS5', ['TestStack/KeyWithoutRotation/Resource']],
    ]);
  });

  it('fails on a wildcard the construct did not add (its acknowledgements are specific, not blanket)', () => {
    const { stack } = nagCheckedStack();
    const rotator = new DevicePasswordRotator(stack, 'Rotator', { secrets: [] });
    rotator.deviceFunctions['wso2-emm'].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:*'], resources: [ROUTER] }),
    );
    expect(() => Template.fromStack(stack)).toThrow(/AwsSolutions-IAM5\[Action::secretsmanager:\*\]/);
  });
});

describe('heartbeat', () => {
  const policyOf = (resources: Record<string, any>, kind: string) => {
    const [, fn] = functionsByKind(resources)[kind]!;
    const roleId = fn.Properties!.Role['Fn::GetAtt'][0];
    return resourcesOfType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties!.Roles.some((r: any) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement);
  };

  it('is on by default: a schedule at minute 5 of every hour invokes the dispatcher with the event time', () => {
    const [heartbeatId, fn] = functionsByKind(base.resources).heartbeat!;
    expect(fn.Properties!.Environment.Variables.HEARTBEAT_EVERY_DAYS).toBe('1');
    base.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(5 * * * ? *)',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [heartbeatId, 'Arn'] },
          InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"operation":"dispatch","time":<time>}' },
        },
      ],
    });
  });

  it('least privilege: starts the console state machine only, never reads a secret value, lists secrets only with enrollment by tag', () => {
    const statements = policyOf(base.resources, 'heartbeat');
    const text = JSON.stringify(statements);
    expect(text).not.toContain('secretsmanager:GetSecretValue');
    expect(text).not.toContain('dynamodb:');
    const start = statements.find((s: any) => s.Sid === 'StartHeartbeats');
    expect(start).toMatchObject({ Action: 'states:StartExecution' });
    expect(base.stack.resolve(base.rotator.consoleStateMachineArn)).toEqual(start.Resource);
    expect(statements.some((s: any) => s.Action === 'secretsmanager:ListSecrets')).toBe(false);
    const tagged = build(() => ({ enrollment: {} }));
    expect(policyOf(tagged.resources, 'heartbeat').find((s: any) => s.Action === 'secretsmanager:ListSecrets')).toMatchObject({ Resource: '*' });
  });

  it('can be turned off, or run every N days', () => {
    expect(functionsByKind(build(() => ({ heartbeat: { enabled: false } })).resources).heartbeat).toBeUndefined();
    const weekly = build(() => ({ heartbeat: { everyDays: 7 } })).resources;
    expect(functionsByKind(weekly).heartbeat![1].Properties!.Environment.Variables.HEARTBEAT_EVERY_DAYS).toBe('7');
    expect(() => build(() => ({ heartbeat: { everyDays: 0 } }))).toThrow(/heartbeat.everyDays must be a whole number of days from 1 to 365/);
  });
});
