import { Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DEFAULT_ROTATION_SCHEDULE, type RotationScheduleSetting, rulesOrThrow } from './schedules';

/** A device secret and, optionally, its own rotation schedule. */
export interface DeviceSecret {
  /** The secret holding a device's admin credentials. */
  readonly secret: secretsmanager.ISecret;
  /**
   * How often this secret is rotated.
   *
   * @default - the construct's `schedule`
   */
  readonly schedule?: RotationScheduleSetting;
}

export interface SecretRef {
  readonly secret: secretsmanager.ISecret;
  /** The ARN(s) IAM policies name: the full ARN, or the partial ARN followed by `-??????`. */
  readonly policyArn: string;
  /** Whether `policyArn` ends with the `-??????` wildcard. */
  readonly partial: boolean;
  /** The full ARN, or the partial ARN without the wildcard: how the device functions recognise a configured secret. */
  readonly configuredArn: string;
}

export function secretRef(secret: secretsmanager.ISecret): SecretRef {
  if (secret.secretFullArn) return { secret, policyArn: secret.secretFullArn, configuredArn: secret.secretFullArn, partial: false };
  return { secret, policyArn: `${secret.secretArn}-??????`, configuredArn: secret.secretArn, partial: true };
}

/** The rotated and privileged secrets of a rotator, as its grants and schedules need them. */
export interface RotatorSecrets {
  readonly rotated: ReadonlyArray<{ ref: SecretRef; rules: secretsmanager.CfnRotationSchedule.RotationRulesProperty }>;
  readonly privileged: readonly SecretRef[];
  /** What the rotation function may write: the rotated secrets. */
  readonly rotatedArns: string[];
  /** What the device functions may read: the rotated and the privileged secrets. */
  readonly readableArns: string[];
  /** Customer-managed keys of the secrets (the construct's `secretsKey` and the secrets' own). */
  readonly secretsKeys: kms.IKey[];
}

/** Resolves the secrets given to the construct; a schedule that is not valid, or a secret given twice, fails synth. */
export function resolveSecrets(
  scope: Construct,
  props: { secrets: readonly DeviceSecret[]; privilegedSecrets?: readonly secretsmanager.ISecret[]; schedule?: RotationScheduleSetting; secretsKey?: kms.IKey },
): RotatorSecrets {
  const defaultSchedule = props.schedule ?? DEFAULT_ROTATION_SCHEDULE;
  const rotated = props.secrets.map((entry, i) => ({
    ref: secretRef(entry.secret),
    rules: rulesOrThrow(entry.schedule ?? defaultSchedule, entry.schedule ? `secrets[${i}].schedule` : 'schedule', scope),
  }));
  const privileged = (props.privilegedSecrets ?? []).map(secretRef);
  rejectDuplicates([...rotated.map((r) => r.ref), ...privileged], scope);
  const rotatedArns = rotated.map((r) => r.ref.policyArn);
  return {
    rotated,
    privileged,
    rotatedArns,
    readableArns: [...rotatedArns, ...privileged.map((p) => p.policyArn)],
    secretsKeys: uniqueKeys([props.secretsKey, ...props.secrets.map((s) => s.secret.encryptionKey), ...(props.privilegedSecrets ?? []).map((s) => s.encryptionKey)]),
  };
}

function rejectDuplicates(refs: readonly SecretRef[], scope: Construct): void {
  const seen = new Set<string>();
  for (const { policyArn } of refs) {
    if (Token.isUnresolved(policyArn)) continue;
    if (seen.has(policyArn)) throw new Error(`${scope.node.path}: the secret ${policyArn} is given more than once`);
    seen.add(policyArn);
  }
}

function uniqueKeys(keys: readonly (kms.IKey | undefined)[]): kms.IKey[] {
  return [...new Set(keys.filter((k): k is kms.IKey => k !== undefined))];
}
