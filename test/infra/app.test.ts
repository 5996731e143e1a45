import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { createRotatorApp, DEFAULT_STACK_NAME } from '../../infra/app';
import { vendorModules } from '../../lambda/vendors';
import { ACCOUNT, CDK_JSON_CONTEXT, functionsByKind, MONITORING_KINDS, REGION, REPO_ROOT, resourcesOfType, secretArn, TEST_CONTEXT, vpcFunctionsByKind } from './helpers';

const run = promisify(execFile);

let emptyRoot: string;
beforeAll(() => {
  emptyRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rotator-app-'));
});
afterAll(() => fs.rmSync(emptyRoot, { recursive: true, force: true }));

describe('the CDK app', () => {
  it('synthesizes a configuration of 5,000 listed secrets (and one enrolling by tag): under 200 resources, every policy under 6,144 characters', () => {
    const vendors = ['multitech-mpower', 'wso2-emm', 'oracle-sdwan-edge', 'oracle-unified-assurance'];
    const config = {
      env: { account: ACCOUNT, region: REGION },
      secrets: Array.from({ length: 5_000 }, (_, n) => ({ arn: secretArn(`fleet/device-${n}`), vendor: vendors[n % vendors.length] })),
      enrollment: { rotateEveryDays: 30 },
    };
    const { stack } = createRotatorApp({ context: { ...TEST_CONTEXT, rotator: config }, env: {}, rootDir: emptyRoot });
    const resources = Template.fromStack(stack).toJSON().Resources;
    expect(Object.keys(resources).length).toBeLessThan(200);
    for (const [id, policy] of resourcesOfType(resources, 'AWS::IAM::Policy')) {
      expect({ id, under: JSON.stringify(policy.Properties!.PolicyDocument).length < 6_144 }).toEqual({ id, under: true });
    }
    expect(resourcesOfType(resources, 'AWS::SecretsManager::RotationSchedule')).toEqual([]);
  });

  it('with no configuration, synthesizes the machinery with no secrets, environment-agnostic, and cdk-nag passes', () => {
    const { stack, loaded } = createRotatorApp({ context: TEST_CONTEXT, env: {}, rootDir: emptyRoot });
    expect(loaded).toEqual({ config: undefined, source: 'none' });
    expect(stack.stackName).toBe(DEFAULT_STACK_NAME);
    const resources = Template.fromStack(stack).toJSON().Resources;
    expect(resourcesOfType(resources, 'AWS::SecretsManager::RotationSchedule')).toEqual([]);
    expect(Object.keys(functionsByKind(resources))).toHaveLength(6 + MONITORING_KINDS.length);
    expect(resourcesOfType(resources, 'AWS::StepFunctions::StateMachine')).toHaveLength(2);
    // Nothing reads a secret when there is none to read.
    expect(JSON.stringify(resources)).not.toContain('secretsmanager:GetSecretValue');
  });

  it('builds the stack from the rotator context: name, env, secrets, VPC with endpoints; cdk-nag passes', () => {
    const router = secretArn('network/router-1');
    const { stack } = createRotatorApp({
      env: {},
      rootDir: emptyRoot,
      context: {
        ...TEST_CONTEXT,
        rotator: {
          stackName: 'Rotator-Test',
          secrets: [{ arn: router, schedule: { expression: 'rate(6 hours)', window: '2h' } }],
          vpc: {
            vpcId: 'vpc-0123456789abcdef0',
            availabilityZones: [`${REGION}a`, `${REGION}b`],
            privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
            singleEgressSubnetId: 'subnet-0123456789abcdef1',
            securityGroupIds: ['sg-0123456789abcdef0'],
          },
          createVpcEndpoints: true,
        },
      },
    });
    expect(stack.stackName).toBe('Rotator-Test');
    expect([stack.account, stack.region]).toEqual([ACCOUNT, REGION]);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: router,
      RotationRules: { ScheduleExpression: 'rate(6 hours)', Duration: '2h' },
    });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    // The given security group is used as is, not modified.
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    // The conversation vendors' device functions leave from the one egress subnet; everything else from both.
    const conversation = new Set(vendorModules().filter((vendor) => vendor.work === 'conversation').map((vendor) => `device:${vendor.id}`));
    expect(conversation.size).toBeGreaterThan(0);
    for (const [kind, [, fn]] of Object.entries(vpcFunctionsByKind(template.toJSON().Resources))) {
      const subnets = conversation.has(kind) ? ['subnet-0123456789abcdef1'] : ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
      expect({ kind, ...fn.Properties!.VpcConfig }).toEqual({ kind, SubnetIds: subnets, SecurityGroupIds: ['sg-0123456789abcdef0'] });
    }
  });

  it('exits with the configuration error, naming the field, before synthesizing anything', async () => {
    const bad = path.join(emptyRoot, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ secrets: [{ arn: secretArn('x'), schedule: 'cron(0 * * * ? *)' }] }));
    const failure = await run(process.execPath, [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/app.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ROTATOR_CONFIG: bad, CDK_CONTEXT_JSON: JSON.stringify(TEST_CONTEXT) },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`Invalid rotator configuration (${bad})`);
    expect(failure?.stderr).toContain('secrets[0].schedule: "cron(0 * * * ? *)" rotates more often than every 4 hours');
  }, 60_000);

  // The one real bundling synth: esbuild bundles every handler locally, offline, without Docker.
  it('bundles every handler with the local esbuild (slow)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotator-bundle-'));
    try {
      const started = Date.now();
      const { app } = createRotatorApp({ context: CDK_JSON_CONTEXT, env: {}, rootDir: emptyRoot, outdir });
      const assembly = app.synth();
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(`bundling synth: ${seconds.toFixed(1)} s\n`);

      const template = assembly.getStackByName(DEFAULT_STACK_NAME).template;
      const manifest = JSON.parse(fs.readFileSync(path.join(outdir, `${DEFAULT_STACK_NAME}.assets.json`), 'utf8'));
      const assetDirs = Object.values(functionsByKind(template.Resources)).map(([, fn]) => {
        const hash = /^([0-9a-f]{64})\.zip$/.exec(fn.Properties!.Code.S3Key)?.[1];
        expect(manifest.files[hash!].source.packaging).toBe('zip');
        return path.join(outdir, manifest.files[hash!].source.path);
      });
      expect(assetDirs).toHaveLength(6 + MONITORING_KINDS.length);
      for (const dir of assetDirs) {
        const bundle = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
        expect(fs.existsSync(path.join(dir, 'index.js.map'))).toBe(true);
        // Minified CommonJS with the AWS SDK left to the runtime.
        expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000);
        expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
        expect(bundle).toMatch(/require\("@aws-sdk\/client-[a-z-]+"\)/);
        expect(bundle).not.toContain('aws-cdk-lib');
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 180_000);
});
