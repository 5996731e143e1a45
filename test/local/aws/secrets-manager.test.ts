import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  type GetRandomPasswordCommandInput,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { PUNCTUATION } from '../../../local/aws/random-password';
import { type LocalAwsHarness, sdkError, startHarness } from './local-aws-harness';

const TOKEN_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const TOKEN_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

let h: LocalAwsHarness;
let nameSeq = 0;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

async function newSecret(value = 'first') {
  const name = `devices/router-${++nameSeq}`;
  const created = await h.clients.sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return { name, arn: created.ARN!, firstVersion: created.VersionId! };
}

const stagesOf = async (secretId: string) =>
  (await h.clients.sm.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages;

describe('CreateSecret, DescribeSecret, GetSecretValue', () => {
  test('a new secret has one version staged AWSCURRENT, found by name or ARN', async () => {
    const { name, arn, firstVersion } = await newSecret('s3cret');
    expect(arn).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-[A-Za-z0-9]{6}$`));

    const described = await h.clients.sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described).toMatchObject({ ARN: arn, Name: name, VersionIdsToStages: { [firstVersion]: ['AWSCURRENT'] } });
    expect(described.RotationEnabled).toBeUndefined();
    expect(described.LastChangedDate).toBeInstanceOf(Date);

    const value = await h.clients.sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value).toMatchObject({ ARN: arn, Name: name, VersionId: firstVersion, SecretString: 's3cret', VersionStages: ['AWSCURRENT'] });
    expect(value.CreatedDate).toBeInstanceOf(Date);
  });

  test('a duplicate name and an unknown secret are refused with the real errors', async () => {
    const { name } = await newSecret();
    const duplicate = await sdkError(h.clients.sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' })));
    expect(duplicate.name).toBe('ResourceExistsException');

    const missing = await sdkError(h.clients.sm.send(new DescribeSecretCommand({ SecretId: 'devices/nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe("Secrets Manager can't find the specified secret.");
    expect(missing.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('PutSecretValue', () => {
  test('moves AWSCURRENT to the new version and AWSPREVIOUS to the old current; older versions lose their labels', async () => {
    const { name, firstVersion } = await newSecret('v1');
    const second = await h.clients.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' }));
    expect(second.VersionStages).toEqual(['AWSCURRENT']);
    expect(await stagesOf(name)).toEqual({ [firstVersion]: ['AWSPREVIOUS'], [second.VersionId!]: ['AWSCURRENT'] });

    const third = await h.clients.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v3' }));
    expect(await stagesOf(name)).toEqual({ [second.VersionId!]: ['AWSPREVIOUS'], [third.VersionId!]: ['AWSCURRENT'] });
    // The first version is deprecated (no label) but still there until AWS would collect it.
    expect(h.secretsManager.versions(name).find((v) => v.VersionId === firstVersion)?.VersionStages).toEqual([]);

    const previous = await h.clients.sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }));
    expect(previous.SecretString).toBe('v2');
  });

  test('the same token with the same value is a no-op; with another value ResourceExistsException', async () => {
    const { name } = await newSecret();
    const put = () =>
      h.clients.sm.send(
        new PutSecretValueCommand({ SecretId: name, ClientRequestToken: TOKEN_A, SecretString: 'pending', VersionStages: ['AWSPENDING'] }),
      );
    const first = await put();
    const replay = await put();
    expect(replay.VersionId).toBe(TOKEN_A);
    expect(replay.VersionStages).toEqual(first.VersionStages);
    expect(h.secretsManager.versions(name)).toHaveLength(2);

    const conflict = await sdkError(
      h.clients.sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: TOKEN_A, SecretString: 'other' })),
    );
    expect(conflict.name).toBe('ResourceExistsException');
    expect(conflict.message).toBe("You can't modify an existing version, you can only create a new version.");
    const pending = await h.clients.sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: TOKEN_A }));
    expect(pending.SecretString).toBe('pending');
  });

  test('a token shorter than 32 characters is refused', async () => {
    const { name } = await newSecret();
    const error = await sdkError(
      h.clients.sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: 'too-short', SecretString: 'x' })),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('Member must have length greater than or equal to 32');
  });

  test('staging a value AWSPENDING leaves AWSCURRENT where it is', async () => {
    const { name, firstVersion } = await newSecret('current');
    await h.clients.sm.send(
      new PutSecretValueCommand({ SecretId: name, ClientRequestToken: TOKEN_A, SecretString: 'next', VersionStages: ['AWSPENDING'] }),
    );
    expect(await stagesOf(name)).toEqual({ [firstVersion]: ['AWSCURRENT'], [TOKEN_A]: ['AWSPENDING'] });
    expect((await h.clients.sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('current');
  });
});

describe('UpdateSecretVersionStage', () => {
  async function secretWithPending() {
    const secret = await newSecret('current');
    await h.clients.sm.send(
      new PutSecretValueCommand({ SecretId: secret.name, ClientRequestToken: TOKEN_A, SecretString: 'next', VersionStages: ['AWSPENDING'] }),
    );
    return secret;
  }

  test('moving AWSCURRENT requires RemoveFromVersionId to name the version that has it', async () => {
    const { name, firstVersion } = await secretWithPending();
    const move = (RemoveFromVersionId?: string) =>
      h.clients.sm.send(
        new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN_A, RemoveFromVersionId }),
      );

    const omitted = await sdkError(move());
    expect(omitted.name).toBe('InvalidParameterException');
    expect(omitted.message).toBe(
      `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${firstVersion}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
    const wrong = await sdkError(move(TOKEN_A));
    expect(wrong.name).toBe('InvalidParameterException');
    expect(await stagesOf(name)).toEqual({ [firstVersion]: ['AWSCURRENT'], [TOKEN_A]: ['AWSPENDING'] });

    await move(firstVersion);
    expect(await stagesOf(name)).toEqual({ [firstVersion]: ['AWSPREVIOUS'], [TOKEN_A]: ['AWSPENDING', 'AWSCURRENT'] });
    expect((await h.clients.sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('next');
  });

  test('moving AWSCURRENT back (rollback) moves AWSPREVIOUS too', async () => {
    const { name, firstVersion } = await secretWithPending();
    const moveCurrent = (to: string, from: string) =>
      h.clients.sm.send(
        new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: to, RemoveFromVersionId: from }),
      );
    await moveCurrent(TOKEN_A, firstVersion);
    await moveCurrent(firstVersion, TOKEN_A);
    expect(await stagesOf(name)).toEqual({ [firstVersion]: ['AWSCURRENT'], [TOKEN_A]: ['AWSPENDING', 'AWSPREVIOUS'] });
  });

  test('a label can be removed, except AWSCURRENT; unknown versions are not found', async () => {
    const { name, firstVersion } = await secretWithPending();
    await h.clients.sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN_A }));
    expect(await stagesOf(name)).toEqual({ [firstVersion]: ['AWSCURRENT'] });

    const removeCurrent = await sdkError(
      h.clients.sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', RemoveFromVersionId: firstVersion })),
    );
    expect(removeCurrent.name).toBe('InvalidParameterException');

    const unknown = await sdkError(
      h.clients.sm.send(
        new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN_B, RemoveFromVersionId: firstVersion }),
      ),
    );
    expect(unknown.name).toBe('ResourceNotFoundException');
  });

  test('a label not on the named version cannot be removed from it', async () => {
    const { name, firstVersion } = await secretWithPending();
    const error = await sdkError(
      h.clients.sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: firstVersion })),
    );
    expect(error.name).toBe('InvalidParameterException');
  });
});

describe('GetSecretValue errors', () => {
  test('unknown version, missing label, and a label that is not on the version', async () => {
    const { name, firstVersion } = await newSecret();
    const byVersion = await sdkError(h.clients.sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: TOKEN_B })));
    expect(byVersion.name).toBe('ResourceNotFoundException');
    expect(byVersion.message).toBe(`Secrets Manager can't find the specified secret value for VersionId: ${TOKEN_B}`);

    const byStage = await sdkError(h.clients.sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' })));
    expect(byStage.name).toBe('ResourceNotFoundException');
    expect(byStage.message).toBe("Secrets Manager can't find the specified secret value for staging label: AWSPENDING");

    const mismatch = await sdkError(
      h.clients.sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: firstVersion, VersionStage: 'AWSPREVIOUS' })),
    );
    expect(mismatch.name).toBe('InvalidRequestException');

    const both = await h.clients.sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: firstVersion, VersionStage: 'AWSCURRENT' }));
    expect(both.VersionId).toBe(firstVersion);
  });
});

describe('GetRandomPassword', () => {
  const generate = async (input: GetRandomPasswordCommandInput) =>
    (await h.clients.sm.send(new GetRandomPasswordCommand(input))).RandomPassword!;
  const isPunctuation = (c: string) => PUNCTUATION.includes(c);

  test('defaults: 32 characters with a lowercase, an uppercase, a digit and a punctuation mark', async () => {
    for (let i = 0; i < 20; i++) {
      const password = await generate({});
      expect(password).toHaveLength(32);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[0-9]/);
      expect([...password].some(isPunctuation)).toBe(true);
      expect(password).not.toContain(' ');
    }
  });

  test('RequireEachIncludedType holds even at the shortest length', async () => {
    for (let i = 0; i < 50; i++) {
      const password = await generate({ PasswordLength: 4 });
      expect([/[a-z]/.test(password), /[A-Z]/.test(password), /[0-9]/.test(password), [...password].some(isPunctuation)]).toEqual([
        true,
        true,
        true,
        true,
      ]);
    }
    const tooShort = await sdkError(h.clients.sm.send(new GetRandomPasswordCommand({ PasswordLength: 3 })));
    expect(tooShort.name).toBe('InvalidParameterException');
    expect(await generate({ PasswordLength: 3, RequireEachIncludedType: false })).toHaveLength(3);
  });

  test('exclusions are honoured', async () => {
    const excluded = `"'\\/@:;\`$`;
    const password = await generate({ PasswordLength: 4096, ExcludeCharacters: excluded });
    expect([...password].filter((c) => excluded.includes(c))).toEqual([]);
    expect(await generate({ PasswordLength: 200, ExcludePunctuation: true, ExcludeNumbers: true })).toMatch(/^[A-Za-z]{200}$/);
    expect(await generate({ PasswordLength: 200, ExcludeUppercase: true, ExcludeLowercase: true, ExcludePunctuation: true })).toMatch(
      /^[0-9]{200}$/,
    );
    expect(await generate({ PasswordLength: 2000, ExcludePunctuation: true, ExcludeNumbers: true, IncludeSpace: true })).toMatch(
      /^(?=.* )[A-Za-z ]+$/,
    );
  });

  test('length must be 1 to 4096', async () => {
    for (const PasswordLength of [0, 4097]) {
      const error = await sdkError(h.clients.sm.send(new GetRandomPasswordCommand({ PasswordLength })));
      expect(error.name).toBe('ValidationException');
    }
    expect(await generate({ PasswordLength: 1, RequireEachIncludedType: false })).toHaveLength(1);
  });
});
