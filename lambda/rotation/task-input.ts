import * as z from '../validation/zod';
import { InvalidInputError } from './errors';

/** Fields every task input shares: the secret by ARN, and a rotation token (a Secrets Manager version id). */
export const secretArnField = z.string().check(z.regex(/^arn:aws[a-z-]*:secretsmanager:/, { message: 'must be a Secrets Manager secret ARN' }));
export const tokenField = z.string().check(z.minLength(32), z.maxLength(64));

/** Parses a task input, or fails with an error that names every field at fault. */
export function parseInput<T>(schema: z.ZodMiniType<T>, input: unknown, what: string): T {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw new InvalidInputError(
    what,
    result.error.issues.map((issue) => `${issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'input'} ${issue.message}`),
  );
}
