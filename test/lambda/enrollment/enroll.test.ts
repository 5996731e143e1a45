import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { enrollListed, enrollSecret, reconcileAll } from '../../../lambda/enrollment/enroll';
import { spreadSchedule } from '../../../lambda/enrollment/schedule-spread';

const TAG = 'device-password-rotator:vendor';
const ROTATOR = 'arn:aws:lambda:us-east-1:123456789012:function:rotator';
const settings = { tagKey: TAG, rotationFunctionArn: ROTATOR, rotateEveryDays: 30, windowHours: 2 };
const arn = (n: number) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:devices/gw-${n}-AbCdEf`;
const value = (vendor: string) => JSON.stringify({ vendor, host: '10.0.0.1', username: 'admin', password: 'Not-a-canary-1' });

const sm = mockClient(SecretsManagerClient);
beforeEach(() => sm.reset());
afterAll(() => sm.restore());

function secret(n: number, options: { tag?: string; content?: string; rotation?: { ScheduleExpression: string; Duration: string } } = {}) {
  sm.on(DescribeSecretCommand, { SecretId: arn(n) }).resolves({
    ARN: arn(n),
    Tags: options.tag === undefined ? [] : [{ Key: TAG, Value: options.tag }],
    ...(options.rotation === undefined ? {} : { RotationEnabled: true, RotationLambdaARN: ROTATOR, RotationRules: options.rotation }),
  });
  sm.on(GetSecretValueCommand, { SecretId: arn(n) }).resolves({ ARN: arn(n), VersionId: `v-${n}`, SecretString: options.content ?? value(options.tag ?? 'wso2-emm') });
}

describe('spread schedules', () => {
  test('stable per secret, spread over hours and days, valid Secrets Manager cron', () => {
    expect(spreadSchedule(arn(1), 30)).toEqual(spreadSchedule(arn(1), 30));
    const slots = new Set(Array.from({ length: 500 }, (_, n) => spreadSchedule(arn(n), 30).ScheduleExpression));
    expect(slots.size).toBeGreaterThan(300); // 24 hours x 28 days = 672 slots
    for (const expression of slots) expect(expression).toMatch(/^cron\(0 (1?\d|2[0-3]) ([1-9]|1\d|2[0-8]) \* \? \*\)$/);
    expect(spreadSchedule(arn(1), 7).ScheduleExpression).toMatch(/^cron\(0 \d+ [1-7]\/7 \* \? \*\)$/);
    expect(spreadSchedule(arn(1), 1).ScheduleExpression).toMatch(/^cron\(0 \d+ \* \* \? \*\)$/);
    expect(spreadSchedule(arn(1), 30, 3).Duration).toBe('3h');
    expect(() => spreadSchedule(arn(1), 0)).toThrow(/whole number of days/);
  });
});

describe('enrolling a secret', () => {
  test('a tagged secret whose content matches its tag gets rotation on, RotateImmediately=false, its spread schedule', async () => {
    secret(1, { tag: 'wso2-emm' });
    sm.on(RotateSecretCommand).resolves({});
    expect(await enrollSecret(arn(1), settings)).toEqual({ secretArn: arn(1), outcome: 'enrolled' });
    const calls = sm.commandCalls(RotateSecretCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ SecretId: arn(1), RotationLambdaARN: ROTATOR, RotationRules: spreadSchedule(arn(1), 30, 2), RotateImmediately: false });
  });

  test('already so configured: left alone', async () => {
    secret(2, { tag: 'wso2-emm', rotation: spreadSchedule(arn(2), 30, 2) });
    expect(await enrollSecret(arn(2), settings)).toEqual({ secretArn: arn(2), outcome: 'unchanged' });
    expect(sm.commandCalls(RotateSecretCommand)).toHaveLength(0);
  });

  test('refused, with a reason and nothing changed: content of another vendor, an unknown vendor, invalid content', async () => {
    secret(3, { tag: 'wso2-emm', content: value('oracle-sdwan-edge') });
    secret(4, { tag: 'someone-elses-router' });
    secret(5, { tag: 'wso2-emm', content: '{"vendor": "wso2-emm"}' });
    const [mismatch, unknown, invalid] = [await enrollSecret(arn(3), settings), await enrollSecret(arn(4), settings), await enrollSecret(arn(5), settings)];
    expect(mismatch).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/content names vendor "oracle-sdwan-edge" but its tag .* says "wso2-emm"/) });
    expect(unknown).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/not a vendor this rotator knows/) });
    expect(invalid).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/field "host" is missing/) });
    expect(JSON.stringify([mismatch, unknown, invalid])).not.toContain('Not-a-canary-1');
    expect(sm.commandCalls(RotateSecretCommand)).toHaveLength(0);
  });

  test('an untagged secret is not enrolled; a deleted one is reported', async () => {
    secret(6);
    sm.on(DescribeSecretCommand, { SecretId: arn(7) }).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    expect(await enrollSecret(arn(6), settings)).toEqual({ secretArn: arn(6), outcome: 'not-tagged' });
    expect(await enrollSecret(arn(7), settings)).toMatchObject({ outcome: 'refused' });
  });

  test('reconcile: every tagged secret, every page, one failure does not stop the others', async () => {
    sm.on(ListSecretsCommand, { NextToken: undefined }).resolves({ SecretList: [{ ARN: arn(10) }, { ARN: arn(11) }], NextToken: 'page-2' });
    sm.on(ListSecretsCommand, { NextToken: 'page-2' }).resolves({ SecretList: [{ ARN: arn(12) }] });
    secret(10, { tag: 'wso2-emm' });
    secret(11, { tag: 'oracle-unified-assurance', rotation: spreadSchedule(arn(11), 30, 2) });
    sm.on(DescribeSecretCommand, { SecretId: arn(12) }).rejects(new Error('boom'));
    sm.on(RotateSecretCommand).resolves({});
    const outcomes = await reconcileAll(settings);
    expect(outcomes.map((o) => o.outcome)).toEqual(['enrolled', 'unchanged', 'refused']);
    expect(sm.commandCalls(ListSecretsCommand)[0].args[0].input.Filters).toEqual([{ Key: 'tag-key', Values: [TAG] }]);
  });
});

describe('listed secrets (beyond the construct\'s explicit-grant limit)', () => {
  test('tagged with their vendor, then enrolled with the schedule the deployment gives them', async () => {
    secret(20, { tag: 'oracle-sdwan-edge' });
    sm.on(TagResourceCommand).resolves({});
    sm.on(RotateSecretCommand).resolves({});
    const rules = { ScheduleExpression: 'rate(7 days)', Duration: '3h' };
    expect(await enrollListed({ arn: arn(20), vendor: 'oracle-sdwan-edge', rules }, settings)).toEqual({ secretArn: arn(20), outcome: 'enrolled' });
    expect(sm.commandCalls(TagResourceCommand)[0].args[0].input).toEqual({ SecretId: arn(20), Tags: [{ Key: TAG, Value: 'oracle-sdwan-edge' }] });
    expect(sm.commandCalls(RotateSecretCommand)[0].args[0].input.RotationRules).toEqual(rules);
    expect(sm.commandCalls(UntagResourceCommand)).toHaveLength(0);
  });

  test('a listed secret whose content is another vendor\'s loses the tag again, so that no function may read it', async () => {
    secret(21, { tag: 'oracle-sdwan-edge', content: value('wso2-emm') });
    sm.on(TagResourceCommand).resolves({});
    sm.on(UntagResourceCommand).resolves({});
    const outcome = await enrollListed({ arn: arn(21), vendor: 'oracle-sdwan-edge' }, settings);
    expect(outcome.outcome).toBe('refused');
    expect(sm.commandCalls(UntagResourceCommand)[0].args[0].input).toEqual({ SecretId: arn(21), TagKeys: [TAG] });
    expect(sm.commandCalls(RotateSecretCommand)).toHaveLength(0);
  });

  test('reconcile enrolls the listed secrets, then the tagged ones', async () => {
    secret(22, { tag: 'wso2-emm' });
    sm.on(TagResourceCommand).resolves({});
    sm.on(RotateSecretCommand).resolves({});
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    const outcomes = await reconcileAll(settings, [{ arn: arn(22), vendor: 'wso2-emm' }]);
    expect(outcomes).toEqual([{ secretArn: arn(22), outcome: 'enrolled' }]);
  });
});
