/**
 * In-memory Secrets Manager: the operations the rotation engine uses, with the real version/staging-label
 * rules and the real error names. `RotateSecret` drives a rotation function through a `FunctionInvoker`.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { randomPassword } from './random-password';
import {
  epochSeconds,
  type JsonInput,
  optBoolean,
  optNumber,
  optObject,
  optString,
  optStringList,
  reqString,
  validationError,
} from './json-input';
import {
  AwsServiceError,
  type FunctionInvoker,
  type InvocationResult,
  type JsonService,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
} from './protocol';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
const ALL_STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

export interface RotationRules {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

/** Why the last rotation of a secret did not complete (on AWS: visible only in CloudTrail and the function's logs). */
export interface RotationFailure {
  readonly step: RotationStep;
  readonly token: string;
  readonly errorType: string;
  readonly errorMessage: string;
}

export interface VersionSnapshot {
  readonly VersionId: string;
  readonly VersionStages: string[];
  /** Absent on a rotation placeholder that no `PutSecretValue` has filled yet. */
  readonly SecretString?: string;
  readonly CreatedDate: Date;
}

interface Version {
  readonly id: string;
  value?: string;
  readonly stages: Set<string>;
  readonly created: Date;
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly tags?: unknown[];
  readonly created: Date;
  lastChanged: Date;
  lastRotated?: Date;
  /** Undefined until rotation is first configured: DescribeSecret then omits RotationEnabled, as AWS does. */
  rotationEnabled?: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRules;
  lastRotationError?: RotationFailure;
  readonly versions: Map<string, Version>;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** When a rate schedule next rotates (from the last rotation, else the creation); cron schedules are not computed here. */
function nextRotationDate(secret: Secret): number | undefined {
  if (secret.rotationEnabled !== true || secret.rotationRules === undefined) return undefined;
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(secret.rotationRules.ScheduleExpression ?? '');
  const hours = rate !== null ? Number(rate[1]) * (rate[2].startsWith('day') ? 24 : 1) : secret.rotationRules.AutomaticallyAfterDays === undefined ? undefined : secret.rotationRules.AutomaticallyAfterDays * 24;
  if (hours === undefined) return undefined;
  return epochSeconds(new Date((secret.lastRotated ?? secret.created).getTime() + hours * 3600_000));
}

const notFound = () => new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

export interface SecretsManagerOptions {
  /** Runs the rotation function for `RotateSecret` (usually the `LocalLambda`). */
  readonly invoker?: FunctionInvoker;
  /**
   * As the service does, `RotateSecret` returns once the rotation is set up and runs the four steps after it
   * (`rotationSettled` waits for them). Default: false (the steps run before `RotateSecret` returns).
   */
  readonly asynchronousRotation?: boolean;
  /**
   * How many times a failed rotation is reattempted with the same token, from createSecret, as the service does within
   * the rotation window. Default: 0.
   */
  readonly rotationReattempts?: number;
  /** Wait before each reattempt. Default: 0. */
  readonly reattemptDelayMs?: number;
}

export class SecretsManagerStandIn implements JsonService {
  readonly targetPrefix = 'secretsmanager';
  private readonly secrets = new Map<string, Secret>();
  /** The same secrets by full ARN, and by partial ARN (without the random suffix): lookups of a fleet of 10,000 secrets. */
  private readonly byArn = new Map<string, Secret>();
  private readonly byPartialArn = new Map<string, Secret>();
  private readonly invoker: FunctionInvoker | undefined;

  private readonly options: SecretsManagerOptions;
  /** The rotation each secret is running in the background (asynchronous rotation). */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(options: SecretsManagerOptions = {}) {
    this.invoker = options.invoker;
    this.options = options;
  }

  /** Resolves once the secret's rotation (if one runs in the background) has ended, reattempts included. */
  async rotationSettled(secretId: string): Promise<void> {
    await this.inFlight.get(this.find(secretId).arn);
  }

  async handle(operation: string, input: JsonInput): Promise<unknown> {
    switch (operation) {
      case 'CreateSecret':
        return this.createSecret(input);
      case 'DescribeSecret':
        return this.describeSecret(input);
      case 'ListSecrets':
        return this.listSecrets(input);
      case 'GetSecretValue':
        return this.getSecretValue(input);
      case 'PutSecretValue':
        return this.putSecretValue(input);
      case 'UpdateSecretVersionStage':
        return this.updateSecretVersionStage(input);
      case 'GetRandomPassword':
        return { RandomPassword: randomPassword(input) };
      case 'RotateSecret':
        return this.rotateSecret(input);
      default:
        throw new AwsServiceError('UnknownOperationException', `Operation ${operation} is not supported by this stand-in`);
    }
  }

  // ---- helpers for tests and the local runner (not AWS API) ----

  /** The ARN of every secret stored. */
  secretArns(): string[] {
    return [...this.secrets.values()].map((secret) => secret.arn);
  }

  versions(secretId: string): VersionSnapshot[] {
    return [...this.find(secretId).versions.values()].map((version) => ({
      VersionId: version.id,
      VersionStages: [...version.stages],
      ...(version.value === undefined ? {} : { SecretString: version.value }),
      CreatedDate: version.created,
    }));
  }

  lastRotationError(secretId: string): RotationFailure | undefined {
    return this.find(secretId).lastRotationError;
  }

  setRotationEnabled(secretId: string, enabled: boolean): void {
    this.find(secretId).rotationEnabled = enabled;
  }

  // ---- operations ----

  private createSecret(input: JsonInput) {
    const name = reqString(input, 'Name');
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
      throw new AwsServiceError(
        'ValidationException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    if (this.secrets.has(name)) {
      throw new AwsServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    }
    rejectBinary(input);
    const value = optString(input, 'SecretString');
    const token = clientRequestToken(input, false);
    const now = new Date();
    let suffix = '';
    for (let i = 0; i < 6; i++) suffix += ALNUM[randomInt(ALNUM.length)];
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-${suffix}`,
      name,
      description: optString(input, 'Description'),
      tags: Array.isArray(input.Tags) ? input.Tags : undefined,
      created: now,
      lastChanged: now,
      versions: new Map(),
    };
    this.secrets.set(name, secret);
    this.byArn.set(secret.arn, secret);
    if (!this.byPartialArn.has(secret.arn.slice(0, -7))) this.byPartialArn.set(secret.arn.slice(0, -7), secret);
    // A secret created without a value has no version until the first PutSecretValue.
    if (value === undefined) return { ARN: secret.arn, Name: name };
    const versionId = token ?? randomUUID();
    secret.versions.set(versionId, { id: versionId, value, stages: new Set([AWSCURRENT]), created: now });
    return { ARN: secret.arn, Name: name, VersionId: versionId };
  }

  private describeSecret(input: JsonInput) {
    const secret = this.find(reqString(input, 'SecretId'));
    const versionIdsToStages: Record<string, string[]> = {};
    for (const version of secret.versions.values()) {
      if (version.stages.size > 0) versionIdsToStages[version.id] = [...version.stages];
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      Description: secret.description,
      RotationEnabled: secret.rotationEnabled,
      RotationLambdaARN: secret.rotationLambdaArn,
      RotationRules: secret.rotationRules,
      LastRotatedDate: secret.lastRotated && epochSeconds(secret.lastRotated),
      LastChangedDate: epochSeconds(secret.lastChanged),
      NextRotationDate: nextRotationDate(secret),
      Tags: secret.tags,
      VersionIdsToStages: versionIdsToStages,
      CreatedDate: epochSeconds(secret.created),
    };
  }

  /**
   * ListSecrets: every secret (name order; no eventual consistency modelled), with the documented filters: `name`,
   * `tag-key`, `tag-value` (prefix, case-sensitive), `description` (prefix, not case-sensitive), `!` negating.
   */
  private listSecrets(input: JsonInput) {
    const maxResults = optNumber(input, 'MaxResults') ?? 100;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) throw validationError('MaxResults', 'Member must have value between 1 and 100', String(maxResults));
    const filters = Array.isArray(input.Filters) ? (input.Filters as { Key?: unknown; Values?: unknown }[]) : [];
    const matches = (secret: Secret) =>
      filters.every(({ Key, Values }) => {
        const values = Array.isArray(Values) ? (Values as string[]) : [];
        const tags = (secret.tags ?? []) as { Key?: string; Value?: string }[];
        const fields: Record<string, string[]> = {
          name: [secret.name],
          description: [(secret.description ?? '').toLowerCase()],
          'tag-key': tags.map((tag) => tag.Key ?? ''),
          'tag-value': tags.map((tag) => tag.Value ?? ''),
        };
        const candidates = fields[String(Key)];
        if (candidates === undefined) throw new AwsServiceError('ValidationException', `Filter key ${String(Key)} is not supported by this stand-in`);
        return values.some((raw) => {
          const negated = raw.startsWith('!');
          const value = Key === 'description' ? raw.replace(/^!/, '').toLowerCase() : raw.replace(/^!/, '');
          const found = candidates.some((candidate) => candidate.startsWith(value));
          return negated ? !found : found;
        });
      });
    const all = [...this.secrets.values()].filter(matches).sort((a, b) => a.name.localeCompare(b.name));
    const start = Number(optString(input, 'NextToken') ?? '0');
    const page = all.slice(start, start + maxResults);
    return {
      SecretList: page.map((secret) => {
        const { VersionIdsToStages, ...described } = this.describeSecret({ SecretId: secret.arn });
        return { ...described, SecretVersionsToStages: VersionIdsToStages };
      }),
      ...(start + maxResults < all.length ? { NextToken: String(start + maxResults) } : {}),
    };
  }

  private getSecretValue(input: JsonInput) {
    const secret = this.find(reqString(input, 'SecretId'));
    const versionId = optString(input, 'VersionId');
    const stage = optString(input, 'VersionStage');
    let version: Version | undefined;
    if (versionId !== undefined) {
      version = secret.versions.get(versionId);
      if (version?.value === undefined) {
        throw new AwsServiceError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
        );
      }
      if (stage !== undefined && !version.stages.has(stage)) {
        throw new AwsServiceError(
          'InvalidRequestException',
          'You provided a VersionStage that is not associated to the provided VersionId.',
        );
      }
    } else {
      const label = stage ?? AWSCURRENT;
      version = holderOf(secret, label);
      if (version?.value === undefined) {
        throw new AwsServiceError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${label}`,
        );
      }
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.value,
      VersionStages: [...version.stages],
      CreatedDate: epochSeconds(version.created),
    };
  }

  private putSecretValue(input: JsonInput) {
    const secret = this.find(reqString(input, 'SecretId'));
    const token = clientRequestToken(input, true);
    rejectBinary(input);
    const value = optString(input, 'SecretString');
    if (value === undefined) {
      throw new AwsServiceError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    }
    const stages = optStringList(input, 'VersionStages') ?? [AWSCURRENT];
    const response = (version: Version) => ({
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      VersionStages: [...version.stages],
    });

    let version = secret.versions.get(token);
    if (version?.value !== undefined) {
      // Idempotent replay of the same write; a different value under the same token is refused.
      if (version.value === value) return response(version);
      throw new AwsServiceError(
        'ResourceExistsException',
        "You can't modify an existing version, you can only create a new version.",
      );
    }
    if (version) {
      version.value = value; // fills the rotation placeholder
    } else {
      version = { id: token, value, stages: new Set(), created: new Date() };
      secret.versions.set(token, version);
    }
    for (const stage of stages) attach(secret, version, stage);
    secret.lastChanged = new Date();
    return response(version);
  }

  private updateSecretVersionStage(input: JsonInput) {
    const secret = this.find(reqString(input, 'SecretId'));
    const stage = reqString(input, 'VersionStage');
    const moveTo = optString(input, 'MoveToVersionId');
    const removeFrom = optString(input, 'RemoveFromVersionId');
    if (moveTo === undefined && removeFrom === undefined) {
      throw new AwsServiceError(
        'InvalidParameterException',
        'You must specify either MoveToVersionId or RemoveFromVersionId.',
      );
    }
    const target = moveTo === undefined ? undefined : this.version(secret, moveTo);
    const source = removeFrom === undefined ? undefined : this.version(secret, removeFrom);
    const holder = holderOf(secret, stage);

    if (source && !source.stages.has(stage)) {
      throw new AwsServiceError(
        'InvalidParameterException',
        `The staging label ${stage} is not attached to version ${source.id}, so you can't remove it from that version.`,
      );
    }
    if (target && holder && holder !== target && holder !== source) {
      // The caller must name the version it takes the label from: guards against racing rotations.
      throw new AwsServiceError(
        'InvalidParameterException',
        source
          ? `The staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`
          : `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    if (!target && stage === AWSCURRENT) {
      throw new AwsServiceError(
        'InvalidParameterException',
        'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
      );
    }
    if (target) attach(secret, target, stage);
    else source?.stages.delete(stage);
    secret.lastChanged = new Date();
    return { ARN: secret.arn, Name: secret.name };
  }

  private async rotateSecret(input: JsonInput) {
    const secret = this.find(reqString(input, 'SecretId'));
    const token = clientRequestToken(input, true);
    const lambdaArn = optString(input, 'RotationLambdaARN') ?? secret.rotationLambdaArn;
    const rules = rotationRules(input);
    const immediately = optBoolean(input, 'RotateImmediately') ?? true;
    const reply = { ARN: secret.arn, Name: secret.name, VersionId: token };

    const existing = secret.versions.get(token);
    if (existing?.stages.has(AWSCURRENT)) return reply; // a retried call whose rotation already finished
    if (isRotationPending(secret)) {
      throw new AwsServiceError(
        'InvalidRequestException',
        "A previous rotation isn't complete. That rotation will be reattempted.",
      );
    }
    if (existing) {
      throw new AwsServiceError(
        'ResourceExistsException',
        "You can't modify an existing version, you can only create a new version.",
      );
    }
    if (lambdaArn === undefined) {
      throw new AwsServiceError('InvalidRequestException', 'No Lambda rotation function ARN is associated with this secret.');
    }
    const invoker = this.invoker;
    if (!invoker) {
      throw new AwsServiceError('InternalServiceError', 'This Secrets Manager stand-in was given no FunctionInvoker.', 500);
    }

    const configBefore = {
      rotationEnabled: secret.rotationEnabled,
      rotationLambdaArn: secret.rotationLambdaArn,
      rotationRules: secret.rotationRules,
      lastChanged: secret.lastChanged,
    };
    const pendingBefore = holderOf(secret, AWSPENDING); // not stuck, so none or the current version
    secret.rotationEnabled = true;
    secret.rotationLambdaArn = lambdaArn;
    if (rules) secret.rotationRules = rules;
    secret.lastChanged = new Date();
    const placeholder: Version = { id: token, stages: new Set(), created: new Date() };
    secret.versions.set(token, placeholder);
    attach(secret, placeholder, AWSPENDING);

    const steps = immediately ? ALL_STEPS : (['testSecret'] as const);
    // The first invocation happens before RotateSecret returns: a function that cannot be invoked fails the call.
    const first = await this.invokeStep(invoker, lambdaArn, steps[0], secret, token);
    if ('cannotInvoke' in first) {
      secret.versions.delete(token);
      Object.assign(secret, configBefore);
      pendingBefore?.stages.add(AWSPENDING);
      if (!(first.cannotInvoke instanceof AwsServiceError)) throw first.cannotInvoke;
      throw new AwsServiceError(
        'AccessDeniedException',
        'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
      );
    }
    const run = this.runRotation(invoker, lambdaArn, secret, token, steps, immediately, placeholder, first);
    if (this.options.asynchronousRotation === true) {
      this.inFlight.set(secret.arn, run);
      return reply;
    }
    await run;
    return reply;
  }

  private async invokeStep(invoker: FunctionInvoker, lambdaArn: string, step: string, secret: Secret, token: string): Promise<InvocationResult | { cannotInvoke: unknown }> {
    const event = { Step: step, SecretId: secret.arn, ClientRequestToken: token, RotationToken: randomUUID() };
    try {
      return await invoker.invoke(lambdaArn, event);
    } catch (error) {
      return { cannotInvoke: error };
    }
  }

  /** The steps, then the service's reattempts of a failed rotation (same token, from createSecret). */
  private async runRotation(
    invoker: FunctionInvoker,
    lambdaArn: string,
    secret: Secret,
    token: string,
    steps: readonly string[],
    immediately: boolean,
    placeholder: Version,
    firstResult: InvocationResult,
  ): Promise<void> {
    let failure: RotationFailure | undefined;
    for (let attempt = 0; attempt <= (this.options.rotationReattempts ?? 0); attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.options.reattemptDelayMs ?? 0));
      failure = undefined;
      for (const [index, step] of steps.entries()) {
        const invoked = attempt === 0 && index === 0 ? firstResult : await this.invokeStep(invoker, lambdaArn, step, secret, token);
        const result: InvocationResult =
          'cannotInvoke' in invoked
            ? { ok: false, errorType: (invoked.cannotInvoke as Error).name ?? 'Error', errorMessage: String((invoked.cannotInvoke as Error).message ?? invoked.cannotInvoke), trace: [] }
            : invoked;
        if (!result.ok) {
          failure = { step: step as RotationFailure['step'], token, errorType: result.errorType, errorMessage: result.errorMessage };
          break;
        }
      }
      if (!failure && immediately && !placeholder.stages.has(AWSCURRENT)) {
        failure = { step: 'finishSecret', token, errorType: 'RotationIncomplete', errorMessage: `finishSecret returned, but version ${token} is not staged AWSCURRENT.` };
      }
      if (!failure || !immediately) break;
    }
    if (!immediately) {
      // A configuration test: the placeholder goes again, whatever testSecret said.
      secret.versions.delete(token);
    }
    secret.lastRotationError = failure;
    if (!failure && immediately) secret.lastRotated = new Date();
  }

  // ---- lookups ----

  private find(secretId: string): Secret {
    // By name, by full ARN, or by the partial ARN without the random suffix.
    const found = this.secrets.get(secretId) ?? this.byArn.get(secretId) ?? this.byPartialArn.get(secretId);
    if (found) return found;
    throw notFound();
  }

  private version(secret: Secret, versionId: string): Version {
    const version = secret.versions.get(versionId);
    if (!version) {
      throw new AwsServiceError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret version: ${versionId}.`,
      );
    }
    return version;
  }
}

function holderOf(secret: Secret, stage: string): Version | undefined {
  for (const version of secret.versions.values()) if (version.stages.has(stage)) return version;
  return undefined;
}

/** A rotation is in progress ("stuck" if nothing drives it) while AWSPENDING sits on a version other than AWSCURRENT. */
function isRotationPending(secret: Secret): boolean {
  const pending = holderOf(secret, AWSPENDING);
  return pending !== undefined && !pending.stages.has(AWSCURRENT);
}

/** Moves `stage` onto `target`; moving AWSCURRENT leaves AWSPREVIOUS on the version it came from. */
function attach(secret: Secret, target: Version, stage: string): void {
  const holder = holderOf(secret, stage);
  if (holder === target) return;
  holder?.stages.delete(stage);
  target.stages.add(stage);
  if (stage === AWSCURRENT && holder) {
    holderOf(secret, AWSPREVIOUS)?.stages.delete(AWSPREVIOUS);
    holder.stages.add(AWSPREVIOUS);
  }
}

/** The SDKs always send a token (they generate a UUID); raw callers must. */
function clientRequestToken(input: JsonInput, required: true): string;
function clientRequestToken(input: JsonInput, required: false): string | undefined;
function clientRequestToken(input: JsonInput, required: boolean): string | undefined {
  const token = optString(input, 'ClientRequestToken');
  if (token === undefined) {
    if (!required) return undefined;
    throw new AwsServiceError(
      'InvalidRequestException',
      'You must provide a ClientRequestToken value. We recommend a UUID-type value.',
    );
  }
  if (token.length < 32) throw validationError('ClientRequestToken', 'Member must have length greater than or equal to 32');
  if (token.length > 64) throw validationError('ClientRequestToken', 'Member must have length less than or equal to 64');
  return token;
}

function rejectBinary(input: JsonInput): void {
  if (input.SecretBinary !== undefined) {
    throw new AwsServiceError('InvalidParameterException', 'SecretBinary is not supported by this local stand-in.');
  }
}

function rotationRules(input: JsonInput): RotationRules | undefined {
  const rules = optObject(input, 'RotationRules');
  if (!rules) return undefined;
  const days = optNumber(rules, 'AutomaticallyAfterDays');
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 1000)) {
    throw new AwsServiceError('InvalidParameterException', 'RotationRules.AutomaticallyAfterDays must be within 1-1000.');
  }
  const result: RotationRules = {};
  if (days !== undefined) result.AutomaticallyAfterDays = days;
  const duration = optString(rules, 'Duration');
  if (duration !== undefined) result.Duration = duration;
  const schedule = optString(rules, 'ScheduleExpression');
  if (schedule !== undefined) result.ScheduleExpression = schedule;
  return result;
}
