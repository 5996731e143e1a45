import { createHash } from 'node:crypto';

/**
 * Names of the executions the rotation function starts: `<purpose>-<secret tag>-<token>` (and the heartbeat
 * dispatcher: `heartbeat-<secret tag>-<day>`). The tag (10 hex digits of
 * the SHA-256 of the secret ARN) lets the concurrency guard tell, from ListExecutions alone, that an execution is for
 * another secret, or only logs in, without a DescribeExecution per running execution. The names are reserved: an
 * execution whose name has this shape but whose secret or action does not match it stops at its first task.
 */
export type RotationPurpose = 'set' | 'test' | 'check' | 'heartbeat';

const RESERVED = /^(set|test|check|heartbeat)-([0-9a-f]{10})-/;

/** The action each purpose's execution runs. */
export const ACTION_OF: Readonly<Record<RotationPurpose, string>> = { set: 'set', test: 'test', check: 'verify', heartbeat: 'heartbeat' };

export function secretTag(secretArn: string): string {
  return createHash('sha256').update(secretArn).digest('hex').slice(0, 10);
}

export function rotationExecutionBase(purpose: RotationPurpose, secretArn: string, token: string): string {
  return `${purpose}-${secretTag(secretArn)}-${token}`;
}

/** The purpose and secret tag of a reserved name; undefined for any other name (a console execution's). */
export function parseRotationExecutionName(name: string): { purpose: RotationPurpose; tag: string } | undefined {
  const match = RESERVED.exec(name);
  return match === null ? undefined : { purpose: match[1] as RotationPurpose, tag: match[2] };
}
