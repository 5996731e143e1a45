import type { Vendor } from '../device/types';

/**
 * How new passwords are generated (Secrets Manager `GetRandomPassword`). A device secret may override any field
 * (`passwordPolicy`); what it leaves out comes from its vendor's default below.
 */
export interface GeneratedPasswordPolicy {
  readonly length: number;
  readonly excludeCharacters: string;
  readonly excludeNumbers: boolean;
  readonly excludePunctuation: boolean;
  readonly excludeUppercase: boolean;
  readonly excludeLowercase: boolean;
  /** Every character class not excluded appears at least once. */
  readonly requireEachIncludedType: boolean;
}

/** Quotes, backslash and backtick break too many support scripts and device CLIs to be worth their entropy. */
const AWKWARD = `"'\\\``;

const BASE: GeneratedPasswordPolicy = {
  length: 24,
  excludeCharacters: AWKWARD,
  excludeNumbers: false,
  excludePunctuation: false,
  excludeUppercase: false,
  excludeLowercase: false,
  requireEachIncludedType: true,
};

/**
 * Safe defaults per vendor: within every limit the device is known (or, where unconfirmed, likely) to enforce.
 * - mPower: PAM `pam_pwquality`-style rules want upper, lower, digit and special.
 * - WSO2 EMM: the user store takes 5 to 30 characters without white space.
 * - SD-WAN Edge and Unified Assurance: length limits unconfirmed; 24 mixed characters stays well inside the usual ones.
 */
export const VENDOR_PASSWORD_POLICIES: Readonly<Record<Vendor, GeneratedPasswordPolicy>> = {
  'multitech-mpower': { ...BASE, length: 20 },
  'wso2-emm': { ...BASE, length: 24 },
  'oracle-sdwan-edge': { ...BASE },
  'oracle-unified-assurance': { ...BASE },
};

/** The GetRandomPassword request for a policy. */
export function randomPasswordRequest(policy: GeneratedPasswordPolicy) {
  return {
    PasswordLength: policy.length,
    ExcludeCharacters: policy.excludeCharacters || undefined,
    ExcludeNumbers: policy.excludeNumbers,
    ExcludePunctuation: policy.excludePunctuation,
    ExcludeUppercase: policy.excludeUppercase,
    ExcludeLowercase: policy.excludeLowercase,
    IncludeSpace: false,
    RequireEachIncludedType: policy.requireEachIncludedType,
  };
}
