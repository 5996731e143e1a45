import { Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { anySecretArn, DEFAULT_ENROLLMENT_TAG_KEY, type TagEnrollment } from './enrollment';
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
  /**
   * The secret's vendor. Needed when more than `EXPLICIT_GRANT_LIMIT` secrets are listed: the enrollment function then
   * tags each with it (see `DevicePasswordRotatorProps.enrollment`) instead of the stack naming each in its policies.
   *
   * @default - read from the secret's content (lists of up to `EXPLICIT_GRANT_LIMIT` secrets)
   */
  readonly vendor?: string;
}

/**
 * Up to this many listed secrets, the stack names each one: a rotation schedule resource each and their ARNs in the
 * functions' policies. Beyond it (a policy would pass IAM's size limit at about 60, the template CloudFormation's 500
 * resources at about 465), the listed secrets are enrolled like tagged ones: the enrollment function tags each with
 * its vendor and turns its rotation on, and every grant is attribute-based.
 */
export const EXPLICIT_GRANT_LIMIT = 20;

/** A listed secret enrolled by the enrollment function (beyond `EXPLICIT_GRANT_LIMIT`). */
export interface ListedSecret {
  readonly arn: string;
  readonly vendor: string;
  readonly rules: secretsmanager.CfnRotationSchedule.RotationRulesProperty;
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
  /** With enrollment by tag: the tag keys that enroll a secret, and that make one a privileged account. */
  readonly tagged?: { readonly tagKey: string; readonly privilegedTagKey: string; readonly anySecret: string };
  /** Listed secrets the enrollment function tags and enrolls (a list longer than `EXPLICIT_GRANT_LIMIT`). */
  readonly listed: readonly ListedSecret[];
}

/** Resolves the secrets given to the construct; a schedule that is not valid, or a secret given twice, fails synth. */
export function resolveSecrets(
  scope: Construct,
  props: { secrets: readonly DeviceSecret[]; privilegedSecrets?: readonly secretsmanager.ISecret[]; schedule?: RotationScheduleSetting; secretsKey?: kms.IKey; enrollment?: TagEnrollment },
): RotatorSecrets {
  const defaultSchedule = props.schedule ?? DEFAULT_ROTATION_SCHEDULE;
  const all = props.secrets.map((entry, i) => ({
    ref: secretRef(entry.secret),
    vendor: entry.vendor,
    rules: rulesOrThrow(entry.schedule ?? defaultSchedule, entry.schedule ? `secrets[${i}].schedule` : 'schedule', scope),
  }));
  const byTag = all.length > EXPLICIT_GRANT_LIMIT;
  const rotated = byTag ? [] : all;
  const listed = byTag ? all.map((entry, i) => listedSecret(scope, entry, i)) : [];
  const privileged = (props.privilegedSecrets ?? []).map(secretRef);
  rejectDuplicates([...rotated.map((r) => r.ref), ...privileged], scope);
  const rotatedArns = rotated.map((r) => r.ref.policyArn);
  return {
    rotated,
    privileged,
    rotatedArns,
    readableArns: [...rotatedArns, ...privileged.map((p) => p.policyArn)],
    secretsKeys: uniqueKeys([props.secretsKey, ...props.secrets.map((s) => s.secret.encryptionKey), ...(props.privilegedSecrets ?? []).map((s) => s.encryptionKey)]),
    listed,
    ...(props.enrollment === undefined && listed.length === 0
      ? {}
      : {
          tagged: {
            tagKey: props.enrollment?.tagKey ?? DEFAULT_ENROLLMENT_TAG_KEY,
            privilegedTagKey: `${props.enrollment?.tagKey ?? DEFAULT_ENROLLMENT_TAG_KEY}:privileged`,
            anySecret: anySecretArn(scope),
          },
        }),
  };
}

function listedSecret(scope: Construct, entry: { ref: SecretRef; vendor?: string; rules: secretsmanager.CfnRotationSchedule.RotationRulesProperty }, i: number): ListedSecret {
  if (entry.vendor === undefined) {
    throw new Error(`${scope.node.path}: secrets[${i}] needs its vendor: beyond ${EXPLICIT_GRANT_LIMIT} listed secrets, each is enrolled by tag`);
  }
  return { arn: entry.ref.configuredArn, vendor: entry.vendor, rules: entry.rules };
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
