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

/** The generation policy a vendor starts from (its module may change fields: `VendorModule.passwordPolicy`). */
export const DEFAULT_GENERATION_POLICY: GeneratedPasswordPolicy = {
  length: 24,
  excludeCharacters: AWKWARD,
  excludeNumbers: false,
  excludePunctuation: false,
  excludeUppercase: false,
  excludeLowercase: false,
  requireEachIncludedType: true,
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
