import { requiredEnv } from '../aws/required-env';
import { DeviceLedger } from './device-ledger';

let ledger: DeviceLedger | undefined;
let madeFor: string | undefined;

/** The device ledger of this deployment (`LEDGER_TABLE`, set by the construct). */
export function ledgerFromEnv(): DeviceLedger {
  const tableName = requiredEnv('LEDGER_TABLE');
  if (ledger === undefined || madeFor !== tableName) {
    ledger = new DeviceLedger({ tableName });
    madeFor = tableName;
  }
  return ledger;
}
