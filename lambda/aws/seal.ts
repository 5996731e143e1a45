import { RotatorError } from '../errors';
import { DecryptCommand, EncryptCommand, InvalidCiphertextException } from '@aws-sdk/client-kms';
import { kms } from './kms-client';
import { requiredEnv } from './required-env';

/**
 * Device session data (a session token, a conversation id) must survive from one state to the next, and state
 * input/output is kept in the execution history. So it travels sealed: encrypted with the workflow's KMS key, bound by
 * encryption context to the secret and the execution, so that a sealed value is useless anywhere else.
 */
export interface SealContext {
  readonly secretArn: string;
  readonly execution: string;
}

const PREFIX = 'sealed:';

function encryptionContext(context: SealContext): Record<string, string> {
  return { purpose: 'device-session', secretArn: context.secretArn, execution: context.execution };
}

export async function seal(value: string, context: SealContext): Promise<string> {
  const answer = await kms().send(
    new EncryptCommand({ KeyId: requiredEnv('SEAL_KEY_ID'), Plaintext: Buffer.from(value, 'utf8'), EncryptionContext: encryptionContext(context) }),
  );
  if (answer.CiphertextBlob === undefined) throw new Error('KMS Encrypt returned no ciphertext');
  return PREFIX + Buffer.from(answer.CiphertextBlob).toString('base64');
}

export class UnsealError extends RotatorError {
  static override readonly errorName = 'UnsealError';
  constructor(what: string) {
    super(`cannot unseal the device session data: ${what}`);
  }
}

export async function unseal(sealed: string, context: SealContext): Promise<string> {
  if (!sealed.startsWith(PREFIX)) throw new UnsealError('it is not a sealed value');
  try {
    const answer = await kms().send(
      new DecryptCommand({
        KeyId: requiredEnv('SEAL_KEY_ID'),
        CiphertextBlob: Buffer.from(sealed.slice(PREFIX.length), 'base64'),
        EncryptionContext: encryptionContext(context),
      }),
    );
    return Buffer.from(answer.Plaintext ?? new Uint8Array()).toString('utf8');
  } catch (error) {
    if (error instanceof InvalidCiphertextException) throw new UnsealError('it was sealed for another secret or execution, or altered');
    throw error;
  }
}
