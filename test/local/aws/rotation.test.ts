import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { functionArn } from '../../../local/aws/lambda';
import { type LocalAwsHarness, sdkError, startHarness } from './local-aws-harness';

/** The event as Secrets Manager sends it today (the community types predate RotationToken). */
type RotationEvent = SecretsManagerRotationEvent & { RotationToken?: string };

/**
 * A rotation function that follows the protocol (platform-notes.md) against the stand-in over HTTP, as the
 * real one does from Lambda; `failAt` makes one step throw, like a device refusing the change.
 */
function fakeRotation(sm: SecretsManagerClient, calls: RotationEvent[], failAt?: { step: string; times?: number }) {
  let failures = failAt?.times ?? Infinity;
  return async (event: RotationEvent): Promise<void> => {
    calls.push(event);
    const { Step: step, SecretId: arn, ClientRequestToken: token } = event;
    const metadata = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    if (!metadata.RotationEnabled) throw new Error(`Secret ${arn} is not enabled for rotation`);
    const stages = metadata.VersionIdsToStages?.[token];
    if (!stages) throw new Error(`Secret version ${token} has no stage for rotation of secret ${arn}.`);
    if (stages.includes('AWSCURRENT')) return;
    if (!stages.includes('AWSPENDING')) throw new Error(`Secret version ${token} not set as AWSPENDING for rotation of secret ${arn}.`);
    if (failAt?.step === step && failures-- > 0) {
      const error = new Error(`device refused the new password at ${step}`);
      error.name = 'PasswordRejectedError';
      throw error;
    }
    if (step === 'createSecret') {
      try {
        await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' }));
      } catch {
        const { RandomPassword } = await sm.send(new GetRandomPasswordCommand({ ExcludeCharacters: '"\\' }));
        await sm.send(
          new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: RandomPassword, VersionStages: ['AWSPENDING'] }),
        );
      }
    } else if (step === 'finishSecret') {
      const current = Object.entries(metadata.VersionIdsToStages ?? {}).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
      await sm.send(
        new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current }),
      );
    }
  };
}

let h: LocalAwsHarness;
let seq = 0;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

async function setUp(failAt?: { step: string; times?: number }) {
  const n = ++seq;
  const calls: RotationEvent[] = [];
  const lambdaArn = h.lambda.register(`rotate-${n}`, fakeRotation(h.clients.sm, calls, failAt));
  const created = await h.clients.sm.send(new CreateSecretCommand({ Name: `devices/edge-${n}`, SecretString: 'initial' }));
  return { calls, lambdaArn, arn: created.ARN!, firstVersion: created.VersionId! };
}

const describe_ = (arn: string) => h.clients.sm.send(new DescribeSecretCommand({ SecretId: arn }));

describe('RotateSecret', () => {
  test('configures rotation and runs the four steps in order with the ARN and the new version token', async () => {
    const { calls, lambdaArn, arn, firstVersion } = await setUp();
    const rotated = await h.clients.sm.send(
      new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: lambdaArn, RotationRules: { ScheduleExpression: 'rate(4 hours)' } }),
    );
    expect(lambdaArn).toBe(functionArn(`rotate-${seq}`));
    expect(calls.map((c) => c.Step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    for (const call of calls) {
      expect(call).toMatchObject({ SecretId: arn, ClientRequestToken: rotated.VersionId });
      expect(call.RotationToken).toMatch(/^[0-9a-f-]{36}$/);
    }

    const metadata = await describe_(arn);
    expect(metadata).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: lambdaArn,
      RotationRules: { ScheduleExpression: 'rate(4 hours)' },
      VersionIdsToStages: { [firstVersion]: ['AWSPREVIOUS'], [rotated.VersionId!]: ['AWSPENDING', 'AWSCURRENT'] },
    });
    expect(metadata.LastRotatedDate).toBeInstanceOf(Date);
    const current = await h.clients.sm.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(current.VersionId).toBe(rotated.VersionId);
    expect(current.SecretString).toHaveLength(32);
    expect(h.secretsManager.lastRotationError(arn)).toBeUndefined();

    // A second rotation starts from a clean state: AWSPENDING on the current version is not "in progress".
    const again = await h.clients.sm.send(new RotateSecretCommand({ SecretId: arn }));
    expect((await h.clients.sm.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId).toBe(again.VersionId);
    expect(calls).toHaveLength(8);
  });

  test('RotateImmediately=false runs only testSecret, then removes the placeholder', async () => {
    const { calls, lambdaArn, arn, firstVersion } = await setUp();
    await h.clients.sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: lambdaArn, RotateImmediately: false }));
    expect(calls.map((c) => c.Step)).toEqual(['testSecret']);
    const metadata = await describe_(arn);
    expect(metadata.RotationEnabled).toBe(true);
    expect(metadata.VersionIdsToStages).toEqual({ [firstVersion]: ['AWSCURRENT'] });
    expect(h.secretsManager.versions(arn)).toHaveLength(1);
  });

  test('a failed step leaves the rotation stuck: the next RotateSecret is refused until AWSPENDING is removed', async () => {
    const { calls, lambdaArn, arn, firstVersion } = await setUp({ step: 'setSecret', times: 1 });
    const first = await h.clients.sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: lambdaArn }));
    expect(calls.map((c) => c.Step)).toEqual(['createSecret', 'setSecret']);
    expect(h.secretsManager.lastRotationError(arn)).toEqual({
      step: 'setSecret',
      token: first.VersionId,
      errorType: 'PasswordRejectedError',
      errorMessage: 'device refused the new password at setSecret',
    });
    expect((await describe_(arn)).VersionIdsToStages).toEqual({ [firstVersion]: ['AWSCURRENT'], [first.VersionId!]: ['AWSPENDING'] });

    const refused = await sdkError(h.clients.sm.send(new RotateSecretCommand({ SecretId: arn })));
    expect(refused.name).toBe('InvalidRequestException');
    expect(refused.message).toBe("A previous rotation isn't complete. That rotation will be reattempted.");
    expect(calls).toHaveLength(2);

    await h.clients.sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSPENDING', RemoveFromVersionId: first.VersionId }),
    );
    const second = await h.clients.sm.send(new RotateSecretCommand({ SecretId: arn }));
    expect(h.secretsManager.lastRotationError(arn)).toBeUndefined();
    expect((await h.clients.sm.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId).toBe(second.VersionId);
  });

  test('the placeholder has no value until PutSecretValue fills it under the same token', async () => {
    const { lambdaArn, arn } = await setUp({ step: 'createSecret' });
    const { VersionId: token } = await h.clients.sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: lambdaArn }));

    const byVersion = await sdkError(h.clients.sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token })));
    expect(byVersion.message).toBe(`Secrets Manager can't find the specified secret value for VersionId: ${token}`);
    const byStage = await sdkError(h.clients.sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' })));
    expect(byStage.name).toBe('ResourceNotFoundException');
    expect(byStage.message).toBe("Secrets Manager can't find the specified secret value for staging label: AWSPENDING");

    await h.clients.sm.send(
      new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: 'filled', VersionStages: ['AWSPENDING'] }),
    );
    const pending = await h.clients.sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' }));
    expect(pending).toMatchObject({ VersionId: token, SecretString: 'filled', VersionStages: ['AWSPENDING'] });
  });

  test('a replayed call with the token of a finished rotation does nothing', async () => {
    const { calls, lambdaArn, arn } = await setUp();
    const token = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
    await h.clients.sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: lambdaArn, ClientRequestToken: token }));
    const replay = await h.clients.sm.send(new RotateSecretCommand({ SecretId: arn, ClientRequestToken: token }));
    expect(replay.VersionId).toBe(token);
    expect(calls).toHaveLength(4);
  });

  test('a function that cannot be invoked fails the call and changes nothing', async () => {
    const { arn, firstVersion } = await setUp();
    const error = await sdkError(
      h.clients.sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn('no-such-function') })),
    );
    expect(error.name).toBe('AccessDeniedException');
    const metadata = await describe_(arn);
    expect(metadata.RotationEnabled).toBeUndefined();
    expect(metadata.VersionIdsToStages).toEqual({ [firstVersion]: ['AWSCURRENT'] });
  });

  test('without a rotation function there is nothing to rotate with', async () => {
    const { arn } = await setUp();
    const error = await sdkError(h.clients.sm.send(new RotateSecretCommand({ SecretId: arn })));
    expect(error.name).toBe('InvalidRequestException');
  });
});
