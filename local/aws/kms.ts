/**
 * In-memory KMS for symmetric keys: real AES-256-GCM under a random 256-bit key per KMS key, with the
 * encryption context as additional authenticated data, so a wrong context or a tampered blob is refused.
 * It serves what the rotator calls (Encrypt and Decrypt, which seal device sessions between states); the keys are
 * given to the constructor, as the stack's key would exist before any call.
 *
 * Blob layout (ours; the real one is opaque too): version byte, key id (36 ASCII bytes), 12-byte IV,
 * 16-byte GCM tag, ciphertext. It names the key, as a real blob does, so Decrypt needs no KeyId.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { type JsonInput, optString, optStringMap, reqString, validationError } from './json-input';
import { AwsServiceError, type JsonService, LOCAL_ACCOUNT, LOCAL_REGION } from './protocol';

const BLOB_VERSION = 1;
const KEY_ID_BYTES = 36;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES;
const ALGORITHM = 'SYMMETRIC_DEFAULT';

const ARN_PREFIX = `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:`;

interface KmsKey {
  readonly id: string;
  readonly arn: string;
  readonly material: Buffer;
}

export interface PresetKey {
  /** A UUID; random when absent. */
  readonly keyId?: string;
  /** What the key is for, for the reader of the setup (no operation served reports it). */
  readonly description?: string;
}

export interface KmsOptions {
  readonly keys?: readonly PresetKey[];
}

const invalidCiphertext = () => new AwsServiceError('InvalidCiphertextException', '');

/** Same context, same bytes, whatever the key order. */
function contextAad(context: Record<string, string> | undefined): Buffer {
  const sorted = Object.keys(context ?? {})
    .sort()
    .map((key) => [key, context![key]]);
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}

function base64Blob(input: JsonInput, key: string): Buffer {
  const value = input[key];
  if (value === undefined || value === null) throw validationError(key, 'Member must not be null', 'null');
  if (typeof value !== 'string') throw new AwsServiceError('SerializationException', `Expected a base64 string for member ${key}`);
  return Buffer.from(value, 'base64');
}

export class KmsStandIn implements JsonService {
  readonly targetPrefix = 'TrentService';
  private readonly keys = new Map<string, KmsKey>();

  constructor(options: KmsOptions = {}) {
    for (const preset of options.keys ?? []) this.addKey(preset.keyId ?? randomUUID());
  }

  /** The ARN a key id or key ARN resolves to (for tests and the local runner). */
  keyArn(keyId: string): string {
    return this.resolve(keyId).arn;
  }

  async handle(operation: string, input: JsonInput): Promise<unknown> {
    switch (operation) {
      case 'Encrypt':
        return this.encrypt(input);
      case 'Decrypt':
        return this.decrypt(input);
      default:
        throw new AwsServiceError('UnknownOperationException', `Operation ${operation} is not supported by this stand-in`);
    }
  }

  private encrypt(input: JsonInput) {
    const key = this.resolve(reqString(input, 'KeyId'));
    const plaintext = base64Blob(input, 'Plaintext');
    if (plaintext.length < 1) throw validationError('Plaintext', 'Member must have length greater than or equal to 1');
    if (plaintext.length > 4096) throw validationError('Plaintext', 'Member must have length less than or equal to 4096');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(contextAad(optStringMap(input, 'EncryptionContext')));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const blob = Buffer.concat([Buffer.from([BLOB_VERSION]), Buffer.from(key.id, 'ascii'), iv, cipher.getAuthTag(), ciphertext]);
    return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: ALGORITHM };
  }

  private decrypt(input: JsonInput) {
    const blob = base64Blob(input, 'CiphertextBlob');
    if (blob.length < HEADER_BYTES || blob[0] !== BLOB_VERSION) throw invalidCiphertext();
    const key = this.keys.get(blob.subarray(1, 1 + KEY_ID_BYTES).toString('ascii'));
    if (!key) throw invalidCiphertext();
    const requested = optString(input, 'KeyId');
    if (requested !== undefined && this.resolve(requested) !== key) {
      throw new AwsServiceError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a CMK that can perform this operation.',
      );
    }
    const ivStart = 1 + KEY_ID_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', key.material, blob.subarray(ivStart, ivStart + IV_BYTES));
    decipher.setAuthTag(blob.subarray(ivStart + IV_BYTES, HEADER_BYTES));
    decipher.setAAD(contextAad(optStringMap(input, 'EncryptionContext')));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw invalidCiphertext();
    }
    return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: ALGORITHM };
  }

  private addKey(id: string): void {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
      throw new Error(`KMS key id must be a lowercase UUID: ${id}`);
    }
    this.keys.set(id, { id, arn: `${ARN_PREFIX}key/${id}`, material: randomBytes(32) });
  }

  /** A key id or key ARN; an alias (`alias/name` or its ARN) names no key, since none can be created here. */
  private resolve(keyId: string): KmsKey {
    const bare = keyId.startsWith(ARN_PREFIX) ? keyId.slice(ARN_PREFIX.length) : keyId;
    if (bare.startsWith('alias/')) throw new AwsServiceError('NotFoundException', `Alias ${ARN_PREFIX}${bare} is not found.`);
    const id = bare.startsWith('key/') ? bare.slice(4) : bare;
    const key = this.keys.get(id);
    if (!key) throw new AwsServiceError('NotFoundException', `Key '${ARN_PREFIX}key/${id}' does not exist`);
    return key;
  }
}
