import { z } from 'zod';
import { InvalidInputError } from './errors';

/** Fields every task input shares: the secret by ARN, and a rotation token (a Secrets Manager version id). */
export const secretArnField = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:/, { message: 'must be a Secrets Manager secret ARN' });
export const tokenField = z.string().min(32).max(64);

/** Parses a task input, or fails with an error that names every field at fault. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidInputError(
    what,
    result.error.issues.map((issue) => `${issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'input'} ${issue.message}`),
  );
}
