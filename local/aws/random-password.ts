/** Secrets Manager's GetRandomPassword, from crypto randomness, with the real character classes and options. */
import { randomInt } from 'node:crypto';
import { type JsonInput, optBoolean, optNumber, optString, validationError } from './json-input';
import { AwsServiceError } from './protocol';

export const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

const randomFrom = (alphabet: string): string => alphabet[randomInt(alphabet.length)];

/** The `GetRandomPassword` request members: PasswordLength, Exclude*, IncludeSpace, RequireEachIncludedType. */
export function randomPassword(input: JsonInput): string {
  const length = optNumber(input, 'PasswordLength') ?? 32;
  if (!Number.isInteger(length)) throw new AwsServiceError('SerializationException', 'PasswordLength must be an integer');
  if (length < 1) throw validationError('PasswordLength', 'Member must have value greater than or equal to 1', `'${length}'`);
  if (length > 4096) {
    throw validationError('PasswordLength', 'Member must have value less than or equal to 4096', `'${length}'`);
  }
  const excluded = new Set(optString(input, 'ExcludeCharacters') ?? '');
  const keep = (alphabet: string) => [...alphabet].filter((c) => !excluded.has(c)).join('');
  // RequireEachIncludedType covers letters, digits and punctuation; the space is never required.
  const types = [
    optBoolean(input, 'ExcludeLowercase') ? '' : keep(LOWERCASE),
    optBoolean(input, 'ExcludeUppercase') ? '' : keep(UPPERCASE),
    optBoolean(input, 'ExcludeNumbers') ? '' : keep(DIGITS),
    optBoolean(input, 'ExcludePunctuation') ? '' : keep(PUNCTUATION),
  ].filter((alphabet) => alphabet.length > 0);
  const pool = types.join('') + (optBoolean(input, 'IncludeSpace') && !excluded.has(' ') ? ' ' : '');
  if (pool.length === 0) {
    throw new AwsServiceError('InvalidParameterException', 'All character types are excluded: no password can be generated.');
  }
  const requireEach = optBoolean(input, 'RequireEachIncludedType') ?? true;
  if (requireEach && length < types.length) {
    throw new AwsServiceError('InvalidParameterException', 'Password length is too short based on the required types.');
  }
  const chars = requireEach ? types.map(randomFrom) : [];
  while (chars.length < length) chars.push(randomFrom(pool));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}
