import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  type GetRandomPasswordCommandInput,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

/**
 * Secrets Manager for unit tests: an in-memory store of secrets and their versions, answered through
 * aws-sdk-client-mock (which mocks every `SecretsManagerClient`, whatever the client cache made). Only the calls the
 * Lambdas make, with the errors the real service gives for the cases they handle: a version without a value (a
 * rotation's placeholder) reads as `ResourceNotFoundException`, a second value for one token is
 * `ResourceExistsException`, a stage is on one version at a time, and moving AWSCURRENT puts AWSPREVIOUS on the
 * version it leaves.
 */
export interface StoredVersion {
  /** A device secret (stored as JSON) or a raw SecretString; absent: a placeholder with stages only. */
  value?: object | string;
  stages: string[];
}

export interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  rotationEnabled: boolean;
  readonly versions: Map<string, StoredVersion>;
}

export type SecretsManagerMock = AwsClientStub<SecretsManagerClient>;

/** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>` → `<name>`. */
export function secretNameOf(arn: string): string {
  return arn.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '');
}

export function secretArnFor(name: string, suffix = 'AbCdEf'): string {
  return `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-${suffix}`;
}

const notFound = (message: string) => new ResourceNotFoundException({ message, $metadata: {} });

export class FakeSecretsManager {
  readonly secrets = new Map<string, StoredSecret>();
  /** What GetRandomPassword answers next (in order), then a fixed default. */
  readonly randomPasswords: string[] = [];
  readonly randomPasswordRequests: GetRandomPasswordCommandInput[] = [];

  constructor(readonly mock: SecretsManagerMock) {}

  /** Clears the store and the mock's history, and installs the handlers again. Call in `beforeEach`. */
  reset(): void {
    this.secrets.clear();
    this.randomPasswords.length = 0;
    this.randomPasswordRequests.length = 0;
    this.mock.reset();
    this.mock.on(DescribeSecretCommand).callsFake(async (input) => {
      const secret = this.find(input.SecretId);
      return {
        ARN: secret.arn,
        Name: secret.name,
        RotationEnabled: secret.rotationEnabled,
        VersionIdsToStages: Object.fromEntries([...secret.versions].map(([id, version]) => [id, [...version.stages]])),
      };
    });
    this.mock.on(GetSecretValueCommand).callsFake(async (input) => {
      const secret = this.find(input.SecretId);
      const entry = [...secret.versions].find(
        ([id, version]) =>
          (input.VersionId === undefined || id === input.VersionId) &&
          (input.VersionStage === undefined ? input.VersionId !== undefined || version.stages.includes('AWSCURRENT') : version.stages.includes(input.VersionStage)),
      );
      if (entry === undefined || entry[1].value === undefined) throw notFound("Secrets Manager can't find the specified secret value");
      const [id, version] = entry;
      return { ARN: secret.arn, Name: secret.name, VersionId: id, SecretString: stringOf(version.value), VersionStages: [...version.stages] };
    });
    this.mock.on(PutSecretValueCommand).callsFake(async (input) => {
      const secret = this.find(input.SecretId);
      const token = input.ClientRequestToken ?? `v-${secret.versions.size + 1}`;
      const existing = secret.versions.get(token);
      if (existing?.value !== undefined) {
        if (stringOf(existing.value) === input.SecretString) return { ARN: secret.arn, VersionId: token, VersionStages: existing.stages };
        throw new ResourceExistsException({ message: 'A resource with the ID you requested already exists.', $metadata: {} });
      }
      const stages = input.VersionStages ?? ['AWSCURRENT'];
      for (const stage of stages) this.detach(secret, stage);
      secret.versions.set(token, { value: input.SecretString, stages: [...new Set([...(existing?.stages ?? []), ...stages])] });
      return { ARN: secret.arn, VersionId: token, VersionStages: stages };
    });
    this.mock.on(UpdateSecretVersionStageCommand).callsFake(async (input) => {
      const secret = this.find(input.SecretId);
      const stage = input.VersionStage as string;
      const holder = [...secret.versions].find(([, version]) => version.stages.includes(stage))?.[0];
      if (input.RemoveFromVersionId !== undefined && holder !== input.RemoveFromVersionId) {
        throw new InvalidParameterException({ message: `${stage} is not attached to version ${input.RemoveFromVersionId}`, $metadata: {} });
      }
      if (input.MoveToVersionId !== undefined && holder !== undefined && holder !== input.MoveToVersionId && input.RemoveFromVersionId === undefined) {
        throw new InvalidParameterException({ message: `${stage} is attached to version ${holder}: name it in RemoveFromVersionId`, $metadata: {} });
      }
      if (input.MoveToVersionId !== undefined && !secret.versions.has(input.MoveToVersionId)) throw notFound(`no version ${input.MoveToVersionId}`);
      if (input.RemoveFromVersionId !== undefined) {
        const from = secret.versions.get(input.RemoveFromVersionId) as StoredVersion;
        from.stages = from.stages.filter((s) => s !== stage);
        if (stage === 'AWSCURRENT' && input.MoveToVersionId !== undefined) {
          this.detach(secret, 'AWSPREVIOUS');
          from.stages.push('AWSPREVIOUS');
        }
      }
      if (input.MoveToVersionId !== undefined) {
        const to = secret.versions.get(input.MoveToVersionId) as StoredVersion;
        if (!to.stages.includes(stage)) to.stages.push(stage);
      }
      return { ARN: secret.arn, Name: secret.name };
    });
    this.mock.on(GetRandomPasswordCommand).callsFake(async (input) => {
      this.randomPasswordRequests.push(input);
      return { RandomPassword: this.randomPasswords.shift() ?? 'Generated-Password-1!' };
    });
  }

  /** Adds a secret; returns its ARN. */
  add(arn: string, versions: Record<string, StoredVersion>, options: { rotationEnabled?: boolean } = {}): string {
    this.secrets.set(arn, {
      arn,
      name: secretNameOf(arn),
      rotationEnabled: options.rotationEnabled ?? true,
      versions: new Map(Object.entries(versions).map(([id, version]) => [id, { ...version, stages: [...version.stages] }])),
    });
    return arn;
  }

  secret(arn: string): StoredSecret {
    return this.find(arn);
  }

  /** The version id carrying a stage. */
  withStage(arn: string, stage: string): string | undefined {
    return [...this.find(arn).versions].find(([, version]) => version.stages.includes(stage))?.[0];
  }

  /** A version's value, parsed. */
  valueOf(arn: string, versionId: string): Record<string, unknown> | undefined {
    const value = this.find(arn).versions.get(versionId)?.value;
    return value === undefined ? undefined : (JSON.parse(stringOf(value) as string) as Record<string, unknown>);
  }

  private find(secretId: string | undefined): StoredSecret {
    const secret = [...this.secrets.values()].find((s) => s.arn === secretId || s.name === secretId);
    if (secret === undefined) throw notFound("Secrets Manager can't find the specified secret.");
    return secret;
  }

  private detach(secret: StoredSecret, stage: string): void {
    for (const version of secret.versions.values()) version.stages = version.stages.filter((s) => s !== stage);
  }
}

function stringOf(value: object | string | undefined): string | undefined {
  return typeof value === 'string' || value === undefined ? value : JSON.stringify(value);
}

/** Mocks every SecretsManagerClient for this test file. Call at the top level; `reset()` in `beforeEach`. */
export function fakeSecretsManager(): FakeSecretsManager {
  return new FakeSecretsManager(mockClient(SecretsManagerClient));
}
