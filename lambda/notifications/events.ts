/**
 * The two events the notifier is sent (infra/monitoring/rules.ts), as EventBridge delivers them:
 * - Step Functions "Step Functions Execution Status Change" (status FAILED, TIMED_OUT or ABORTED),
 *   https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 * - Secrets Manager's rotation events through CloudTrail ("AWS Service Event via CloudTrail", eventName
 *   RotationFailed or RotationAbandoned), https://docs.aws.amazon.com/secretsmanager/latest/userguide/cloudtrail_log_entries.html
 */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';
export const SERVICE_EVENT_VIA_CLOUDTRAIL = 'AWS Service Event via CloudTrail';
/** The execution statuses that notify. */
export const FAILED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
/** Secrets Manager's CloudTrail events of a rotation that did not complete. */
export const ROTATION_FAILURE_EVENTS = ['RotationFailed', 'RotationAbandoned'] as const;

export interface ExecutionFailedEvent {
  readonly kind: 'execution';
  readonly region: string;
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly status: string;
  /** As the event carries them; an encrypted state machine's may be absent (DescribeExecution has them). */
  readonly input?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface RotationFailedEvent {
  readonly kind: 'rotation';
  readonly region: string;
  readonly eventName: string;
  readonly secretId: string;
  /** The service's own words ("... during setSecret step"). */
  readonly errorMessage?: string;
}

export type NotifiedEvent = ExecutionFailedEvent | RotationFailedEvent;

/** An event the notifier does not handle (a rule sent something else). */
export class UnexpectedEventError extends Error {
  constructor(what: string) {
    super(`notifier: not an event it handles: ${what}`);
    this.name = 'UnexpectedEventError';
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

export function parseNotifiedEvent(raw: unknown): NotifiedEvent {
  const event = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const detail = (typeof event.detail === 'object' && event.detail !== null ? event.detail : {}) as Record<string, unknown>;
  const region = text(event.region) ?? process.env.AWS_REGION ?? 'us-east-1';
  if (event['detail-type'] === EXECUTION_STATUS_CHANGE && event.source === 'aws.states') {
    const executionArn = text(detail.executionArn);
    const stateMachineArn = text(detail.stateMachineArn);
    const status = text(detail.status);
    if (executionArn === undefined || stateMachineArn === undefined || status === undefined) throw new UnexpectedEventError('an execution status change without executionArn, stateMachineArn or status');
    return { kind: 'execution', region, executionArn, stateMachineArn, status, input: text(detail.input), error: text(detail.error), cause: text(detail.cause) };
  }
  if (event['detail-type'] === SERVICE_EVENT_VIA_CLOUDTRAIL && event.source === 'aws.secretsmanager') {
    const additional = (typeof detail.additionalEventData === 'object' && detail.additionalEventData !== null ? detail.additionalEventData : {}) as Record<string, unknown>;
    const secretId = text(additional.SecretId);
    const eventName = text(detail.eventName);
    if (secretId === undefined || eventName === undefined) throw new UnexpectedEventError('a Secrets Manager service event without eventName or additionalEventData.SecretId');
    return { kind: 'rotation', region, eventName, secretId, errorMessage: text(detail.errorMessage) };
  }
  throw new UnexpectedEventError(`source ${String(event.source)}, detail-type ${String(event['detail-type'])}`);
}
