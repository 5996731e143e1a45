/**
 * Reading AWS JSON request members the way the real services validate them: a wrong type is a
 * `SerializationException`, a missing required member or a broken constraint a `ValidationException`
 * with the Coral wording (the member named in camelCase).
 */
import { AwsServiceError } from './protocol';

export type JsonInput = Record<string, unknown>;

const memberPath = (key: string): string => key.charAt(0).toLowerCase() + key.slice(1);

/** `shownValue`: what Coral echoes before "at" (`null`, `'5000'`); nothing for strings that may be sensitive. */
export function validationError(key: string, constraint: string, shownValue?: string): AwsServiceError {
  const value = shownValue === undefined ? '' : `${shownValue} `;
  return new AwsServiceError(
    'ValidationException',
    `1 validation error detected: Value ${value}at '${memberPath(key)}' failed to satisfy constraint: ${constraint}`,
  );
}

function wrongType(key: string, expected: string): AwsServiceError {
  return new AwsServiceError('SerializationException', `Expected ${expected} for member ${key}`);
}

export function optString(input: JsonInput, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(key, 'a string');
  return value;
}

export function reqString(input: JsonInput, key: string): string {
  const value = optString(input, key);
  if (value === undefined) throw validationError(key, 'Member must not be null', 'null');
  return value;
}

export function optBoolean(input: JsonInput, key: string): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw wrongType(key, 'a boolean');
  return value;
}

export function optNumber(input: JsonInput, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType(key, 'a number');
  return value;
}

export function optStringList(input: JsonInput, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw wrongType(key, 'a list of strings');
  }
  return value;
}

export function optStringMap(input: JsonInput, key: string): Record<string, string> | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw wrongType(key, 'a map of strings');
  }
  return value as Record<string, string>;
}

export function optObject(input: JsonInput, key: string): JsonInput | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(key, 'a structure');
  return value as JsonInput;
}

/** AWS JSON protocols carry timestamps as epoch seconds. */
export const epochSeconds = (date: Date): number => date.getTime() / 1000;
