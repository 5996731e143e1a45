import * as z from '../validation/zod';
import { RotatorError } from '../errors';
import { isSha256Fingerprint } from '../device/tls';
import type { DeviceEndpoint, Vendor } from '../device/types';
import { isKnownVendor, vendorModule, vendorModules } from '../vendors';
import { MIN_LOCKOUT_ATTEMPTS } from '../ledger/lockout';
import type { GeneratedPasswordPolicy } from './password-policy';

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
/** A host name or an IP address; not a URL. */
const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9a-fA-F:]+)$/;

const tlsSchema = z.strictObject({
  caCertificate: z.optional(z.string().check(z.includes('-----BEGIN CERTIFICATE-----', { message: 'must be a PEM certificate' }))),
  certificateSha256: z.optional(
    z.string().check(z.refine(isSha256Fingerprint, { message: 'must be a SHA-256 fingerprint: 64 hex digits, colons optional' })),
  ),
  serverName: z.optional(z.string().check(z.minLength(1))),
  insecureSkipVerify: z.optional(z.boolean()),
});

const policySchema = z.strictObject({
  length: z.optional(z.number().check(z.int(), z.minimum(8), z.maximum(128))),
  excludeCharacters: z.optional(z.string()),
  excludeNumbers: z.optional(z.boolean()),
  excludePunctuation: z.optional(z.boolean()),
  excludeUppercase: z.optional(z.boolean()),
  excludeLowercase: z.optional(z.boolean()),
  requireEachIncludedType: z.optional(z.boolean()),
});

/** The device's lockout, when it differs from the vendor's default (README "Lockout models"). */
const lockoutSchema = z.strictObject({
  attempts: z.number().check(
    z.int(),
    z.minimum(MIN_LOCKOUT_ATTEMPTS, { message: `must be at least ${MIN_LOCKOUT_ATTEMPTS}: one automated attempt, one kept for a human, and the one that locks` }),
    z.maximum(100),
  ),
  windowSeconds: z.number().check(z.int(), z.minimum(1), z.maximum(7 * 24 * 3600)),
});

/** Upper bound of a conversation step's request deadline: well inside the device function's 60 s timeout. */
export const MAX_CONVERSATION_STEP_TIMEOUT_MS = 50_000;
/** Upper bound of a device's conversation restarts (each restart logs in again, within the ledger's budget). */
export const MAX_CONVERSATION_RESTARTS = 10;

/** A password conversation's settings (vendors whose work is a conversation, `secretFields: ['conversation']`). */
const conversationSchema = z.strictObject({
  stepTimeoutMs: z.optional(
    z.number().check(
      z.int(),
      z.minimum(100),
      z.maximum(MAX_CONVERSATION_STEP_TIMEOUT_MS, { message: `must be at most ${MAX_CONVERSATION_STEP_TIMEOUT_MS} (the device function's timeout is 60 s)` }),
    ),
  ),
  maxRestarts: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_CONVERSATION_RESTARTS))),
});

/** Device secret fields only some vendors use (`VendorModule.secretFields`). */
const VENDOR_FIELDS = ['oauthClient', 'conversation'] as const;

const deviceSecretSchema = z
  .strictObject({
    vendor: z
      .string()
      .check(z.refine((vendor) => isKnownVendor(vendor), { error: () => `must be one of ${vendorModules().map((m) => m.id).join(', ')}` })) as unknown as z.ZodMiniType<Vendor>,
    host: z
      .string()
      .check(
        z.minLength(1),
        z.refine((host) => !/^[a-z]+:\/\//i.test(host), { message: 'must be a host name or IP address, not a URL: devices are always reached over HTTPS' }),
        z.refine((host) => HOST.test(host), { message: 'must be a host name or IP address' }),
      ),
    port: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(65535))),
    username: z.string().check(z.minLength(1)),
    password: z.string().check(z.minLength(1)),
    tls: z.optional(tlsSchema),
    passwordPolicy: z.optional(policySchema),
    privilegedSecretArn: z.optional(z.string().check(z.regex(SECRET_ARN, { message: 'must be a Secrets Manager secret ARN' }))),
    requestTimeoutMs: z.optional(z.number().check(z.int(), z.minimum(100), z.maximum(60_000))),
    /** An OAuth application registered beforehand, for vendors whose module lists `oauthClient` in `secretFields`. */
    oauthClient: z.optional(z.strictObject({ clientId: z.string().check(z.minLength(1)), clientSecret: z.string().check(z.minLength(1)) })),
    lockout: z.optional(lockoutSchema),
    /** A password conversation's step deadline and restarts, for vendors whose module lists `conversation`. */
    conversation: z.optional(conversationSchema),
    /** A privileged secret only: the accounts (usernames on the same device) it may reset. No wildcard. */
    resetAccounts: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  })
  .check(
    z.superRefine((secret, ctx) => {
      for (const name of VENDOR_FIELDS) {
        if (secret[name] === undefined) continue;
        const usedBy = vendorModules().filter((module) => module.secretFields?.includes(name)).map((module) => module.id);
        if (!usedBy.includes(secret.vendor)) ctx.addIssue({ code: 'custom', path: [name], message: `is only used by vendor ${usedBy.join(', ')}` });
      }
    }),
  );

/** A device secret's `SecretString`, validated. */
export type DeviceSecret = z.infer<typeof deviceSecretSchema>;

/** The secret string is not a valid device secret. Names the secret, the version and every field at fault, never a value. */
export class InvalidDeviceSecretError extends RotatorError {
  static override readonly errorName = 'InvalidDeviceSecretError';
  declare readonly secretArn: string;
  constructor(
    secretArn: string,
    readonly versionLabel: string,
    readonly problems: readonly string[],
  ) {
    super(`Device secret ${secretArn} (${versionLabel}) is not valid: ${problems.join('; ')}. See README "Device secret format".`, { secretArn });
  }
}

/** Parses and validates a `SecretString`. `versionLabel` (e.g. "AWSCURRENT") only goes into the error message. */
export function parseDeviceSecret(secretString: string | undefined, secretArn: string, versionLabel: string): DeviceSecret {
  if (secretString === undefined) throw new InvalidDeviceSecretError(secretArn, versionLabel, ['the version has no SecretString']);
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    // JSON.parse's message quotes the text around the fault, which may be part of the password: not used.
    throw new InvalidDeviceSecretError(secretArn, versionLabel, ['SecretString is not JSON']);
  }
  const result = z.safeParse(deviceSecretSchema, json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'the secret';
      if (issue.code === 'unrecognized_keys') return `${field} has unknown keys (${issue.keys.join(', ')})`;
      if (issue.code === 'invalid_type' && isMissing(json, issue.path)) return `${field} is missing (required)`;
      return `${field} ${issue.message}`;
    });
    throw new InvalidDeviceSecretError(secretArn, versionLabel, problems);
  }
  return result.data;
}

/** Whether the value at `path` is absent (its key not there), as opposed to present with the wrong type. */
function isMissing(json: unknown, path: readonly PropertyKey[]): boolean {
  let value: unknown = json;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, key)) return true;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined;
}

export function endpointOf(secret: DeviceSecret, requestTimeoutMs?: number): DeviceEndpoint {
  return {
    vendor: secret.vendor,
    host: secret.host,
    port: secret.port,
    tls: secret.tls,
    requestTimeoutMs: secret.requestTimeoutMs ?? requestTimeoutMs,
  };
}

/** The vendor's default generation policy with the secret's own overrides on top. */
export function generationPolicyOf(secret: DeviceSecret): GeneratedPasswordPolicy {
  return { ...vendorModule(secret.vendor).passwordPolicy, ...secret.passwordPolicy };
}

/** The same secret with another password: how a pending version is made from the current one. */
export function withPassword(secret: DeviceSecret, password: string): DeviceSecret {
  return { ...secret, password };
}

export type { Vendor };
