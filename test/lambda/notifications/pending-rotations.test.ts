import { DescribeSecretCommand, ListSecretsCommand, ListSecretVersionIdsCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { pendingToken, scanPendingRotations } from '../../../lambda/notifications/pending-rotations';

/** The pending-rotation scan through its seam: Secrets Manager mocked (ListSecrets by tag, DescribeSecret, ListSecretVersionIds). */
const sm = mockClient(SecretsManagerClient);
const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;
const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`;

beforeEach(() => sm.reset());

test('AWSPENDING on the AWSCURRENT version (after a successful rotation) is not pending; apart from it, it is', () => {
  expect(pendingToken({ v1: ['AWSCURRENT', 'AWSPENDING'] })).toBeUndefined();
  expect(pendingToken({ v1: ['AWSCURRENT'], v0: ['AWSPREVIOUS'] })).toBeUndefined();
  expect(pendingToken({ v1: ['AWSCURRENT'], v2: ['AWSPENDING'] })).toBe('v2');
});

test('tagged secrets (all pages) and listed ones: counts those pending longer than the threshold, and the oldest age', async () => {
  sm.on(ListSecretsCommand, { NextToken: undefined })
    .resolves({ SecretList: [{ ARN: arn('a'), SecretVersionsToStages: { c: ['AWSCURRENT'], p: ['AWSPENDING'] } }, { ARN: arn('b'), SecretVersionsToStages: { c: ['AWSCURRENT'] } }], NextToken: 'page-2' })
    .on(ListSecretsCommand, { NextToken: 'page-2' })
    .resolves({ SecretList: [{ ARN: arn('c'), SecretVersionsToStages: { c: ['AWSCURRENT'], p: ['AWSPENDING'] } }] });
  sm.on(DescribeSecretCommand, { SecretId: arn('listed') }).resolves({ ARN: arn('listed'), VersionIdsToStages: { c: ['AWSCURRENT'], q: ['AWSPENDING'] } });
  sm.on(DescribeSecretCommand, { SecretId: arn('gone') }).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
  sm.on(ListSecretVersionIdsCommand, { SecretId: arn('a') }).resolves({ Versions: [{ VersionId: 'p', CreatedDate: new Date(NOW - 30 * HOUR) }] });
  sm.on(ListSecretVersionIdsCommand, { SecretId: arn('c') }).resolves({ Versions: [{ VersionId: 'p', CreatedDate: new Date(NOW - HOUR) }] });
  sm.on(ListSecretVersionIdsCommand, { SecretId: arn('listed') }).resolves({ Versions: [{ VersionId: 'q', CreatedDate: new Date(NOW - 7 * HOUR) }] });

  const scan = await scanPendingRotations({ tagKey: 'rotator:vendor', secretArns: [arn('listed'), arn('gone')], thresholdMs: 6 * HOUR, now: () => NOW });
  expect(scan.scanned).toBe(4);
  expect(scan.pending.map((p) => p.secretArn)).toEqual([arn('a'), arn('c'), arn('listed')]);
  expect(scan.stuck.map((p) => [p.secretArn, p.token])).toEqual([
    [arn('a'), 'p'],
    [arn('listed'), 'q'],
  ]);
  expect(scan.oldestAgeMs).toBe(30 * HOUR);
  expect(sm.commandCalls(ListSecretsCommand)[0]!.args[0].input.Filters).toEqual([{ Key: 'tag-key', Values: ['rotator:vendor'] }]);
  // Only secrets with a pending version cost a ListSecretVersionIds.
  expect(sm.commandCalls(ListSecretVersionIdsCommand)).toHaveLength(3);
});

test('nothing pending: zero stuck, oldest age 0', async () => {
  sm.on(DescribeSecretCommand).resolves({ ARN: arn('x'), VersionIdsToStages: { c: ['AWSCURRENT', 'AWSPENDING'] } });
  await expect(scanPendingRotations({ secretArns: [arn('x')], thresholdMs: HOUR, now: () => NOW })).resolves.toEqual({ scanned: 1, pending: [], stuck: [], oldestAgeMs: 0 });
});
