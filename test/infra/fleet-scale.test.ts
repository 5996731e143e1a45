import { Template } from 'aws-cdk-lib/assertions';
import { type CfnElement, Duration } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DevicePasswordRotator } from '../../infra/device-password-rotator';
import { DEFAULT_ENROLLMENT_TAG_KEY } from '../../infra/enrollment';
import { VENDOR_MODULES } from '../../lambda/vendors';
import { functionsByKind, nagCheckedStack, type Resources, resourcesOfType, statementsOfFunction } from './helpers';

/**
 * Enrollment by tag: the template and its policies do not grow with the fleet (a fleet of 10,000 tagged secrets is
 * the same template as one of 1), every grant on secrets is attribute-based, and each vendor's function reads only
 * its vendor's secrets.
 */
function build() {
  const { stack } = nagCheckedStack();
  const rotator = new DevicePasswordRotator(stack, 'Rotator', { secrets: [], enrollment: { rotateEvery: Duration.days(30) } });
  const template = Template.fromStack(stack);
  return { stack, rotator, template, resources: template.toJSON().Resources as Resources };
}

const built = build();

test('the template has fewer than 200 resources and every IAM policy document is under 6,144 characters', () => {
  expect(Object.keys(built.resources).length).toBeLessThan(200);
  for (const [id, policy] of resourcesOfType(built.resources, 'AWS::IAM::Policy')) {
    expect({ id, size: JSON.stringify(policy.Properties!.PolicyDocument).length < 6_144 }).toEqual({ id, size: true });
  }
  expect(resourcesOfType(built.resources, 'AWS::SecretsManager::RotationSchedule')).toHaveLength(0);
});

test('each device function reads only secrets tagged with its vendor; privileged ones only where a reset is possible', () => {
  const kinds = functionsByKind(built.resources);
  for (const vendor of VENDOR_MODULES) {
    const statements = statementsOfFunction(built.resources, kinds[`device:${vendor.id}`]![1]);
    const reads = statements.filter((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'));
    const conditions = reads.map((s) => s.Condition!.StringEquals);
    expect(conditions).toContainEqual({ [`aws:ResourceTag/${DEFAULT_ENROLLMENT_TAG_KEY}`]: [vendor.id] });
    const privileged = conditions.filter((c) => JSON.stringify(c).includes(':privileged'));
    expect(privileged).toEqual(vendor.canResetOthers ? [{ [`aws:ResourceTag/${DEFAULT_ENROLLMENT_TAG_KEY}:privileged`]: [vendor.id] }] : []);
    for (const read of reads) expect(JSON.stringify(read.Resource)).toContain(':secret:*');
  }
});

test('the enrollment function is triggered daily and by CreateSecret and TagResource', () => {
  const enrollmentId = built.stack.getLogicalId(built.rotator.enrollmentFunction!.node.defaultChild as CfnElement);
  const rules = resourcesOfType(built.resources, 'AWS::Events::Rule')
    .map(([, rule]) => rule.Properties!)
    .filter((rule) => JSON.stringify(rule.Targets).includes(enrollmentId));
  expect(rules.some((rule) => rule.ScheduleExpression === 'rate(1 day)')).toBe(true);
  const names = rules.flatMap((rule) => rule.EventPattern?.detail?.eventName ?? []);
  expect(names.sort()).toEqual(['CreateSecret', 'TagResource']);
  expect(built.rotator.enrollmentFunction).toBeDefined();
});

describe('5,000 secrets listed explicitly', () => {
  const VENDOR_IDS = VENDOR_MODULES.map((module) => module.id);
  const arn = (n: number) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:fleet/device-${String(n).padStart(5, '0')}-AbCd${String(n % 100).padStart(2, '0')}`;
  function buildListed(count: number) {
    const { stack } = nagCheckedStack();
    const rotator = new DevicePasswordRotator(stack, 'Rotator', {
      secrets: Array.from({ length: count }, (_, n) => ({
        secret: secretsmanager.Secret.fromSecretCompleteArn(stack, `Secret${n}`, arn(n)),
        vendor: VENDOR_IDS[n % VENDOR_IDS.length],
      })),
    });
    return { rotator, resources: Template.fromStack(stack).toJSON().Resources as Resources };
  }
  const listed = buildListed(5_000);

  test('synthesize with fewer than 200 resources and every IAM policy document under 6,144 characters', () => {
    expect(Object.keys(listed.resources).length).toBeLessThan(200);
    for (const [id, policy] of resourcesOfType(listed.resources, 'AWS::IAM::Policy')) {
      expect({ id, size: JSON.stringify(policy.Properties!.PolicyDocument).length < 6_144 }).toEqual({ id, size: true });
    }
    expect(resourcesOfType(listed.resources, 'AWS::SecretsManager::RotationSchedule')).toHaveLength(0);
    // No policy names a listed secret: the grants are by tag, which the enrollment function sets from the list.
    expect(JSON.stringify(resourcesOfType(listed.resources, 'AWS::IAM::Policy'))).not.toContain('fleet/device-');
    expect(listed.rotator.enrollmentFunction).toBeDefined();
  });

  test('a list longer than the explicit-grant limit needs each secret\'s vendor', () => {
    const { stack } = nagCheckedStack();
    expect(
      () =>
        new DevicePasswordRotator(stack, 'Rotator', {
          secrets: Array.from({ length: 21 }, (_, n) => ({ secret: secretsmanager.Secret.fromSecretCompleteArn(stack, `S${n}`, arn(n)) })),
        }),
    ).toThrow(/secrets\[0\] needs its vendor: beyond 20 listed secrets, each is enrolled by tag/);
  });
});
