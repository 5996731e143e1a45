import { type GeneratedPasswordPolicy, randomPasswordRequest } from '../../lambda/secret/password-policy';
import type { KnownDevicePolicy } from '../../lambda/vendors/vendor-module';
import { randomPassword } from '../../local/aws/random-password';

/** How many passwords are generated (locally, as GetRandomPassword would) and checked against the device's policy. */
export const POLICY_SAMPLES = 50;

const CLASSES = {
  upper: /[A-Z]/,
  lower: /[a-z]/,
  digit: /[0-9]/,
  punctuation: /[^A-Za-z0-9\s]/,
} as const;

/** What is wrong with the passwords a generation policy makes, for what is known of the device's policy; empty when nothing. */
export function policyProblems(policy: GeneratedPasswordPolicy, known: KnownDevicePolicy): string[] {
  const problems: string[] = [];
  if (policy.length < known.minLength) problems.push(`passwords of ${policy.length} characters are shorter than the device's minimum of ${known.minLength}`);
  if (policy.length > known.maxLength) problems.push(`passwords of ${policy.length} characters are longer than the device's maximum of ${known.maxLength}`);
  const excluded: Record<keyof typeof CLASSES, boolean> = {
    upper: policy.excludeUppercase,
    lower: policy.excludeLowercase,
    digit: policy.excludeNumbers,
    punctuation: policy.excludePunctuation,
  };
  for (const required of known.requires ?? []) {
    if (excluded[required]) problems.push(`the device requires ${required} characters, which passwordPolicy excludes`);
  }
  if (problems.length > 0) return problems;
  // The analysis found nothing: generated passwords must agree.
  for (let sample = 0; sample < POLICY_SAMPLES; sample += 1) {
    const password = randomPassword(randomPasswordRequest(policy) as unknown as Parameters<typeof randomPassword>[0]);
    const missing = (known.requires ?? []).filter((required) => !CLASSES[required].test(password));
    if (missing.length > 0) return [`a generated password lacks ${missing.join(', ')} characters (set requireEachIncludedType)`];
    if (known.forbidsWhitespace === true && /\s/.test(password)) return ['a generated password holds white space'];
  }
  return [];
}

/** In words: what a policy generates. */
export function describeGeneration(policy: GeneratedPasswordPolicy): string {
  const classes = [
    policy.excludeUppercase ? undefined : 'upper',
    policy.excludeLowercase ? undefined : 'lower',
    policy.excludeNumbers ? undefined : 'digits',
    policy.excludePunctuation ? undefined : 'punctuation',
  ].filter((c): c is string => c !== undefined);
  const each = policy.requireEachIncludedType ? 'each present' : 'not each required';
  return `${policy.length} characters, ${classes.join(', ')} (${each})${policy.excludeCharacters ? `, without ${JSON.stringify(policy.excludeCharacters)}` : ''}`;
}

export function describeKnownPolicy(known: KnownDevicePolicy): string {
  const requires = known.requires?.length ? `, with ${known.requires.join(', ')}` : '';
  return `${known.minLength} to ${known.maxLength} characters${requires}${known.forbidsWhitespace ? ', no white space' : ''} (${known.source})`;
}
