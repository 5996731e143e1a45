import { scrub } from '../device/errors';
import { failureAction } from '../failure-actions';
import type { DeviceFacts } from './device-facts';
import type { ExecutionFacts } from './execution-facts';
import { executionConsoleUrl, secretConsoleUrl } from './console-links';

/** An SNS message: a subject (at most 100 characters, one line) and a plain-text body. */
export interface Notification {
  readonly subject: string;
  readonly body: string;
  /** SNS message attributes, for subscription filter policies. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** Longest error message quoted (the rest is in the execution). */
const MAX_ERROR_TEXT = 1_500;
const SUBJECT_LIMIT = 100;

function deviceLine(device: DeviceFacts['device']): string {
  return 'unknown' in device ? `unknown: ${device.unknown}` : `${device.host}:${device.port}, ${device.vendor}, account ${device.username}`;
}

function oneLine(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}

/**
 * The error messages come from the rotator and are already scrubbed where they were made; the whole message is
 * scrubbed again of every password the notifier read, in every encoding a device could have echoed it in.
 */
function finish(subject: string, lines: readonly string[], passwords: readonly string[], attributes: Record<string, string>): Notification {
  const clean = (text: string) => scrub(text, passwords);
  return { subject: oneLine(clean(subject), SUBJECT_LIMIT), body: clean(lines.join('\n')), attributes };
}

const STATUS_WORD: Readonly<Record<string, string>> = { FAILED: 'failed', TIMED_OUT: 'timed out', ABORTED: 'was aborted' };

/** The message for an execution that failed, timed out or was aborted. */
export function executionNotification(region: string, execution: ExecutionFacts, device: DeviceFacts | undefined): Notification {
  const what = `${execution.action ?? 'execution'} ${STATUS_WORD[execution.status] ?? execution.status}`;
  const secretName = device?.secretName ?? execution.secretId ?? '(no secret in the input)';
  const lines = [
    `Device password rotator: ${what} (${execution.stateMachineName})`,
    '',
    `Secret:       ${device === undefined ? secretName : `${device.secretName} (${device.secretArn})`}`,
    `Device:       ${device === undefined ? 'unknown: the execution names no secret' : deviceLine(device.device)}`,
    `Execution:    ${execution.executionName} (${execution.status})`,
    `Failed state: ${execution.failedState ?? 'unknown'}`,
    `Error:        ${execution.errorName}`,
    `Message:      ${oneLine(execution.errorMessage, MAX_ERROR_TEXT)}`,
    '',
    `What to do:   ${failureAction(execution.errorName)}`,
    '',
    `Execution:    ${executionConsoleUrl(region, execution.executionArn)}`,
    ...(device === undefined ? [] : [`Secret:       ${secretConsoleUrl(region, device.secretName)}`]),
  ];
  return finish(`Rotator: ${what}: ${secretName}: ${execution.errorName}`, lines, device?.passwords ?? [], {
    kind: 'execution',
    status: execution.status,
    errorName: execution.errorName,
  });
}

/** The message for Secrets Manager's RotationFailed / RotationAbandoned. */
export function rotationNotification(region: string, eventName: string, errorMessage: string | undefined, device: DeviceFacts, executionsUrl: string): Notification {
  const what = eventName === 'RotationAbandoned' ? 'rotation abandoned' : 'rotation failed';
  const lines = [
    `Device password rotator: Secrets Manager ${what} (${eventName})`,
    '',
    `Secret:       ${device.secretName} (${device.secretArn})`,
    `Device:       ${deviceLine(device.device)}`,
    `Pending:      ${device.pendingToken === undefined ? 'no AWSPENDING version apart from AWSCURRENT' : `AWSPENDING on version ${device.pendingToken}`}`,
    `Error:        ${eventName}`,
    `Message:      ${oneLine(errorMessage ?? 'Secrets Manager gave no message', MAX_ERROR_TEXT)}`,
    '',
    `What to do:   ${failureAction(eventName)}`,
    '',
    `Executions:   ${executionsUrl}`,
    `Secret:       ${secretConsoleUrl(region, device.secretName)}`,
  ];
  return finish(`Rotator: ${what}: ${device.secretName}`, lines, device.passwords, { kind: 'rotation', errorName: eventName });
}
