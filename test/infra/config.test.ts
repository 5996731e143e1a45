import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { loadRotatorConfig, parseRotatorConfig, type RotatorConfig, RotatorConfigError } from '../../infra/config';
import { ACCOUNT, REGION, REPO_ROOT, secretArn } from './helpers';

const ROUTER = secretArn('network/router-1');
const MDM = secretArn('network/mdm', 'XyZ789');

/** The issues a configuration is refused with (fails the test if it is accepted). */
function issuesOf(raw: unknown): string[] {
  try {
    parseRotatorConfig(raw, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(RotatorConfigError);
    expect((error as Error).message).toContain('Invalid rotator configuration (test.json)');
    return [...(error as RotatorConfigError).issues];
  }
  throw new Error('the configuration was accepted');
}

describe('parseRotatorConfig', () => {
  it('accepts the example configuration', () => {
    const raw = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'rotator.config.example.json'), 'utf8'));
    const config = parseRotatorConfig(raw, 'rotator.config.example.json');
    expect(config.secrets).toHaveLength(3);
    expect(config.vpc?.privateSubnetIds).toHaveLength(2);
  });

  it('accepts the smallest configuration, and takes the stack env from the secrets', () => {
    expect(parseRotatorConfig({ secrets: [] }, 'x')).toEqual({ secrets: [] });
    expect(parseRotatorConfig({ secrets: [{ arn: ROUTER }] }, 'x').env).toEqual({ account: ACCOUNT, region: REGION });
  });

  it('turns schedule texts into what the construct takes', () => {
    const config: RotatorConfig = parseRotatorConfig(
      {
        schedule: '30 days',
        secrets: [
          { arn: ROUTER, schedule: '12 hours' },
          { arn: MDM, schedule: { expression: 'cron(0 2 ? * SUN *)', window: '3h' } },
          { arn: secretArn('a'), schedule: 'rate(10 days)' },
        ],
      },
      'x',
    );
    expect(config.schedule).toEqual(Duration.days(30));
    expect(config.secrets[0]!.schedule).toEqual(Duration.hours(12));
    expect(config.secrets[1]!.schedule).toEqual({ expression: 'cron(0 2 ? * SUN *)', window: Duration.hours(3) });
    expect(config.secrets[2]!.schedule).toBe('rate(10 days)');
  });

  it('names a bad ARN', () => {
    expect(issuesOf({ secrets: [{ arn: ROUTER }, { arn: 'arn:aws:s3:::bucket' }] })).toEqual([
      'secrets[1].arn: must be a Secrets Manager secret ARN: arn:<partition>:secretsmanager:<region>:<account>:secret:<name>',
    ]);
    expect(issuesOf({ secrets: [], encryptionKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/mine` })).toEqual([
      'encryptionKeyArn: must be a KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<key id> (not an alias)',
    ]);
  });

  it('names a bad schedule, per secret and for all', () => {
    expect(issuesOf({ secrets: [{ arn: ROUTER, schedule: 'rate(2 hours)' }] })).toEqual([
      'secrets[0].schedule: "rate(2 hours)": a rate in hours must be 4 to 23 hours (Secrets Manager rotates at most every 4 hours; use days beyond that)',
    ]);
    expect(issuesOf({ secrets: [], schedule: 'weekly' })[0]).toMatch(/^schedule: must be "<n> days", "<n> hours", "rate\(\.\.\.\)", "cron\(\.\.\.\)".*got "weekly"$/);
    expect(issuesOf({ secrets: [], schedule: '2 hours' })).toEqual([
      'schedule: must be at least 4 hours (Secrets Manager rotates at most every 4 hours), got 2 hours',
    ]);
    expect(issuesOf({ secrets: [{ arn: ROUTER, schedule: { expression: 'cron(0 22 * * ? *)', window: '4h' } }] })[0]).toMatch(
      /^secrets\[0\]\.schedule: .*next UTC day/,
    );
    expect(issuesOf({ secrets: [], schedule: { expression: 'rate(1 day)', window: '90 minutes' } })).toEqual([
      'schedule: window must be a number of hours such as "3h", got "90 minutes"',
    ]);
    expect(issuesOf({ secrets: [], schedule: 30 })[0]).toMatch(/^schedule: must be "<n> days"/);
  });

  it('takes the heartbeat setting, and names a bad one', () => {
    expect(parseRotatorConfig({ secrets: [], heartbeat: { enabled: false } }, 'x').heartbeat).toEqual({ enabled: false });
    expect(parseRotatorConfig({ secrets: [], heartbeat: { everyDays: 7 } }, 'x').heartbeat).toEqual({ everyDays: 7 });
    expect(issuesOf({ secrets: [], heartbeat: { everyDays: 0 } }).join('\n')).toMatch(/heartbeat\.everyDays/);
    expect(issuesOf({ secrets: [], heartbeat: { every: 2 } }).join('\n')).toMatch(/heartbeat/);
  });

  it('names a missing field', () => {
    expect(issuesOf({})).toEqual(['secrets: is required']);
    expect(issuesOf({ secrets: [{}] })).toEqual(['secrets[0].arn: is required']);
    expect(issuesOf({ secrets: [], vpc: { vpcId: 'vpc-0123456789abcdef0', privateSubnetIds: ['subnet-01234567'] } })).toEqual([
      'vpc.availabilityZones: is required',
    ]);
  });

  it('names an unknown field (a typo is not silently ignored)', () => {
    expect(issuesOf({ secret: [] })).toEqual(['secrets: is required', 'unknown field "secret"']);
    expect(issuesOf({ secrets: [{ arn: ROUTER, schedlue: '7 days' }] })).toEqual(['secrets[0]: unknown field "schedlue"']);
  });

  it('names the field of a value of the wrong type', () => {
    expect(issuesOf({ secrets: 'arn' })).toEqual(['secrets: Invalid input: expected array, received string']);
    expect(issuesOf(null)).toEqual(['(top level): Invalid input: expected object, received null']);
  });

  it('checks the VPC description', () => {
    const vpc = { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-0123456789abcdef0'] };
    expect(issuesOf({ secrets: [], vpc })).toEqual([
      'vpc.privateSubnetIds: must list the same number of subnets for each availability zone, in availabilityZones order (1 subnets for 2 zones)',
    ]);
    expect(issuesOf({ secrets: [], vpc: { ...vpc, vpcId: 'my-vpc', privateSubnetIds: ['subnet-0123456789abcdef0', 'sg-01234567'] } })).toEqual([
      'vpc.vpcId: must be a VPC id (vpc-…)',
      'vpc.privateSubnetIds[1]: must be a subnet id (subnet-…)',
    ]);
    expect(issuesOf({ secrets: [], createVpcEndpoints: true })).toEqual(['createVpcEndpoints: needs a vpc']);
    const twoZones = { ...vpc, privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] };
    expect(parseRotatorConfig({ secrets: [], vpc: { ...twoZones, singleEgressSubnetId: 'subnet-0123456789abcdef1' } }, 'test.json').vpc?.singleEgressSubnetId).toBe('subnet-0123456789abcdef1');
    expect(issuesOf({ secrets: [], vpc: { ...twoZones, singleEgressSubnetId: 'subnet-0fffffffffffffff9' } })).toEqual([
      'vpc.singleEgressSubnetId: must be one of vpc.privateSubnetIds (the conversation steps leave from that subnet alone)',
    ]);
  });

  it('refuses secrets and keys the stack cannot use: other region, other account, given twice', () => {
    const elsewhere = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:far-AbC123`;
    const otherAccount = `arn:aws:secretsmanager:${REGION}:210987654321:secret:theirs-AbC123`;
    expect(issuesOf({ secrets: [{ arn: ROUTER }, { arn: elsewhere }, { arn: otherAccount }] })).toEqual([
      'secrets[1].arn: is in region us-east-1, not eu-west-1 (secrets[0].region)',
      'secrets[2].arn: is in account 210987654321, not 123456789012 (secrets[0].account): a secret is rotated from its own account',
    ]);
    expect(issuesOf({ env: { account: ACCOUNT, region: 'us-east-1' }, secrets: [{ arn: ROUTER }] })).toEqual([
      'secrets[0].arn: is in region eu-west-1, not us-east-1 (env.region)',
    ]);
    expect(issuesOf({ secrets: [{ arn: ROUTER }], privilegedSecretArns: [ROUTER.replace(/-AbC123$/, '')] })).toEqual([
      'privilegedSecretArns[0]: is the same secret as secrets[0].arn',
    ]);
    expect(
      issuesOf({ secrets: [{ arn: ROUTER }], secretsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555` }),
    ).toEqual(['secretsKeyArn: is in region us-east-1, not eu-west-1: KMS keys are regional']);
  });

  it('checks env and stackName', () => {
    expect(issuesOf({ secrets: [], env: { account: '1234', region: 'Ireland' }, stackName: '1-stack' })).toEqual([
      'stackName: must start with a letter and hold only letters, digits and -, 128 at most',
      'env.account: must be a 12-digit AWS account id',
      'env.region: must be an AWS region such as eu-west-1',
    ]);
  });
});

describe('loadRotatorConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotator-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const load = (context: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
    loadRotatorConfig({ context: (key) => context[key], env, rootDir: dir, cwd: dir });

  it('finds nothing when there is no configuration', () => {
    expect(load()).toEqual({ config: undefined, source: 'none' });
  });

  it('reads rotator.config.json at the root', () => {
    write('rotator.config.json', { secrets: [{ arn: ROUTER }] });
    expect(load()).toMatchObject({ source: 'rotator.config.json', config: { secrets: [{ arn: ROUTER }] } });
  });

  it('reads the file named by ROTATOR_CONFIG, or by the rotatorConfig context (which wins)', () => {
    write('rotator.config.json', { secrets: [] });
    write('from-env.json', { secrets: [{ arn: ROUTER }] });
    write('from-context.json', { secrets: [{ arn: MDM }] });
    expect(load({}, { ROTATOR_CONFIG: 'from-env.json' })).toMatchObject({ source: 'from-env.json', config: { secrets: [{ arn: ROUTER }] } });
    expect(load({ rotatorConfig: 'from-context.json' }, { ROTATOR_CONFIG: 'from-env.json' })).toMatchObject({
      source: 'from-context.json',
      config: { secrets: [{ arn: MDM }] },
    });
  });

  it('reads the rotator context, as an object or as JSON text', () => {
    write('rotator.config.json', { secrets: [] });
    expect(load({ rotator: { secrets: [{ arn: ROUTER }] } })).toMatchObject({ source: 'context "rotator"', config: { secrets: [{ arn: ROUTER }] } });
    expect(load({ rotator: JSON.stringify({ secrets: [{ arn: MDM }] }) })).toMatchObject({ config: { secrets: [{ arn: MDM }] } });
  });

  it('says which source is wrong', () => {
    expect(() => load({}, { ROTATOR_CONFIG: 'missing.json' })).toThrow(/missing\.json.*does not exist/s);
    write('broken.json', '{ "secrets": [ }');
    expect(() => load({ rotatorConfig: 'broken.json' })).toThrow(/\(broken\.json\):\n {2}- is not valid JSON/);
    expect(() => load({ rotator: '{secrets' })).toThrow(/context "rotator".*is not valid JSON/s);
    expect(() => load({ rotator: { secrets: [] }, rotatorConfig: 'x.json' })).toThrow(/inline or as a file/);
    write('rotator.config.json', { secrets: [{ arn: 'nope' }] });
    expect(() => load()).toThrow(/\(rotator\.config\.json\):\n {2}- secrets\[0\]\.arn: must be a Secrets Manager secret ARN/);
  });
});

describe('monitoring', () => {
  it('takes each part, a topic by ARN and the thresholds; refuses what is not one', () => {
    const monitoring = { notifications: true, alarms: false, dashboard: true, topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:ops-alerts`, pendingRotationThresholdHours: 12, pendingRotationScanIntervalMinutes: 30, throttledCallsThreshold: 10 };
    expect(parseRotatorConfig({ secrets: [], monitoring }, 'x').monitoring).toEqual(monitoring);
    const refused = (value: Record<string, unknown>) => {
      try {
        parseRotatorConfig({ secrets: [], monitoring: value }, 'x');
      } catch (error) {
        return (error as RotatorConfigError).issues;
      }
      return [];
    };
    expect(refused({ topicArn: 'ops-alerts' })).toEqual([expect.stringMatching(/^monitoring\.topicArn: must be an SNS topic ARN/)]);
    expect(refused({ pendingRotationScanIntervalMinutes: 1 })).toEqual([expect.stringMatching(/^monitoring\.pendingRotationScanIntervalMinutes/)]);
    expect(refused({ alerts: true })).toEqual([expect.stringMatching(/monitoring: unknown field "alerts"/)]);
  });
});
