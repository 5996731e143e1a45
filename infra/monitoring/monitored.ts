import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { RotatorSecrets } from '../secrets';
import type { MachineArns } from '../state-machines';

/** A state machine the monitoring watches: its executions notify, its failures alarm, its metrics are on the dashboard. */
export interface MonitoredStateMachine {
  readonly machine: sfn.StateMachine;
  readonly arns: MachineArns;
  /** How alarms and the dashboard name it (`rotation`, `console`, …). */
  readonly label: string;
}

/** What the monitoring reads of the rotated secrets. */
export interface MonitoredSecrets {
  /** The ARNs IAM policies name (complete, or partial followed by `-??????`). */
  readonly policyArns: readonly string[];
  /** The complete ARNs, or partial ones without the wildcard: how the functions recognise a listed secret. */
  readonly configuredArns: readonly string[];
  /** With enrollment by tag: the tag, its values (vendor ids) and the ARN pattern of every secret. */
  readonly tagged?: { readonly tagKey: string; readonly values: readonly string[]; readonly anySecret: string };
}

/** The rotated secrets, as the monitoring reads them (the privileged ones are not rotated: not monitored). */
export function monitoredSecrets(secrets: RotatorSecrets, vendorIds: readonly string[]): MonitoredSecrets {
  return {
    policyArns: secrets.rotated.map((r) => r.ref.policyArn),
    configuredArns: secrets.rotated.map((r) => r.ref.configuredArn),
    ...(secrets.tagged === undefined ? {} : { tagged: { tagKey: secrets.tagged.tagKey, values: vendorIds, anySecret: secrets.tagged.anySecret } }),
  };
}
