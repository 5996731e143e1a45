import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDb } from '../lambda/aws/dynamodb-client';
import { type AccountIdentity, accountKey } from '../lambda/ledger/account';
import type { DeviceLedger } from '../lambda/ledger/device-ledger';

/** The last heartbeat (the scheduled AWSCURRENT check) of an account. */
export interface Heartbeat {
  readonly at: number | string;
  readonly outcome: string;
  readonly executionArn?: string;
  readonly detail?: string;
}

type WithHeartbeat = { lastHeartbeat?: (account: AccountIdentity) => Promise<Heartbeat | undefined> };

function parsed(value: unknown): Heartbeat | undefined {
  if (typeof value === 'string') {
    try {
      return parsed(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as Partial<Heartbeat>;
  return candidate.at !== undefined && typeof candidate.outcome === 'string' ? (candidate as Heartbeat) : undefined;
}

/**
 * The account's last heartbeat, or undefined (never). Uses the ledger's `lastHeartbeat` when the deployed code has it;
 * otherwise reads the ledger item's `heartbeat` attribute (JSON text), or `heartbeat` in its record, if present.
 */
export async function lastHeartbeat(ledger: DeviceLedger, tableName: string, account: AccountIdentity): Promise<Heartbeat | undefined> {
  const method = (ledger as unknown as WithHeartbeat).lastHeartbeat;
  if (typeof method === 'function') return method.call(ledger, account);
  const answer = await dynamoDb().send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: accountKey(account) } }, ConsistentRead: true }));
  const item = answer.Item;
  if (item === undefined) return undefined;
  const attribute = item.heartbeat?.S ?? (item.heartbeat?.M === undefined ? undefined : Object.fromEntries(Object.entries(item.heartbeat.M).map(([k, v]) => [k, v.S ?? (v.N === undefined ? undefined : Number(v.N))])));
  return parsed(attribute) ?? parsed((safeJson(item.record?.S) as { heartbeat?: unknown } | undefined)?.heartbeat);
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
