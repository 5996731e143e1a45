import { randomBytes } from 'node:crypto';
import { secretForms } from '../../lambda/device/errors';

/**
 * A password that is easy to spot anywhere it leaks, and that satisfies every simulated device's default policy
 * (upper, lower, digit, special, 8 to 30 characters, no white space).
 */
export function canaryPassword(label = 'pw'): string {
  return `Cy!${label}${randomBytes(6).toString('hex')}Q9`;
}


/** All text an error carries: message, stack, and the same for each cause, plus its JSON form. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', safeJson(current));
      current = current.cause;
    } else {
      parts.push(String(current), safeJson(current));
      current = undefined;
    }
  }
  return parts.join('\n');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** Fails naming the leak (without printing the secret itself) if any secret appears in the text. */
export function expectNoSecrets(text: string, secrets: readonly string[]): void {
  for (const [index, secret] of secrets.entries()) {
    for (const form of secretForms(secret)) {
      if (text.includes(form)) throw new Error(`secret #${index} leaked into the text under test`);
    }
  }
}
