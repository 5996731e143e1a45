import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDb } from '../aws/dynamodb-client';
import type { LoginCost } from '../device/outcome';
import { RotatorError } from '../errors';
import { type AccountIdentity, accountKey } from './account';
import { AccountLockedByDeviceError, LoginBudgetExhaustedError } from './errors';
import { automatedBudget, type LockoutModel } from './lockout';


/** A login charged to an account: reserved before it is sent, settled when its answer is known. */
export interface Charge {
  readonly id: string;
  /** Epoch ms when it was reserved. */
  readonly at: number;
  readonly state: 'in-flight' | 'failed' | 'unknown' | 'locked';
  /** Which execution (or caller) spent it, and on what: references only. */
  readonly by: string;
  readonly what: string;
  /** The secret version whose password was sent. */
  readonly version?: string;
}

/** Everything the ledger keeps for one account. No password, hash of one, or session token. */
export interface AccountRecord {
  readonly charges: readonly Charge[];
  /** Secret versions whose password the device refused, and when (epoch ms): never sent again while remembered. */
  readonly refused: Readonly<Record<string, number>>;
  /** The execution that may change the account's password, while it runs. */
  readonly lease?: { readonly holder: string; readonly since: number; readonly until: number };
  /** The device said the account was locked: no login before then. */
  readonly lockedUntil?: number;
  readonly lastAccepted?: { readonly at: number; readonly version?: string; readonly by: string };
  /**
   * The last change of the password that may have been sent, to which version: until a login shows where the device
   * is, that version is tried first (a change whose answer was lost most likely happened).
   */
  readonly changeSent?: { readonly version: string; readonly at: number; readonly by: string };
  /** The last heartbeat (drift check) of the account: what the operator CLI shows. */
  readonly lastHeartbeat?: HeartbeatRecord;
}

/**
 * One heartbeat's result: a login with AWSCURRENT that changes nothing. `ok`: it logged in; `drifted`: the device
 * refused AWSCURRENT (someone changed the password on the device); `skipped`: no login was sent (the failed-login budget
 * was spent, or a rotation held the account); `error`: the check could not tell (device unreachable, answer unknown,
 * account locked). References only: no password, token or hash of one.
 */
export interface HeartbeatRecord {
  /** Epoch ms. */
  readonly at: number;
  readonly outcome: 'ok' | 'drifted' | 'skipped' | 'error';
  /** The execution that ran it. */
  readonly executionArn: string;
  /** The AWSCURRENT version checked, when known. */
  readonly version?: string;
  /** Why, in words (no secret): the error's type and message, or why it was skipped. */
  readonly detail?: string;
}

export interface Reservation {
  readonly account: AccountIdentity;
  readonly chargeId: string;
  readonly version?: string;
  readonly model: LockoutModel;
}

/** A lease request that lost to a live holder. */
export class LeaseHeldError extends RotatorError {
  static override readonly errorName = 'LeaseHeldError';
  constructor(readonly holder: string) {
    super(`the account is leased to ${holder}`);
  }
}

export interface DeviceLedgerOptions {
  readonly tableName: string;
  readonly now?: () => number;
  /** How long a refused version is remembered (and not sent again). Default: 24 hours. */
  readonly refusalMemoryMs?: number;
  /** How long `reserveLogin` waits for other logins in flight to settle before giving up. Default: 15 s. */
  readonly inFlightWaitMs?: number;
}

const EMPTY: AccountRecord = { charges: [], refused: {} };
const WRITE_ATTEMPTS = 8;
/** Items of accounts no longer rotated disappear after this long without a write (DynamoDB TTL on `expiresAt`). */
const KEEP_ITEM_MS = 90 * 24 * 3600_000;

/**
 * The device ledger: durable, strongly consistent state per rotated account, shared by every execution, retry and
 * operator action. One DynamoDB item per account; every change is a read (ConsistentRead) and a conditional write on
 * the item's revision, retried when another writer came first (optimistic concurrency).
 */
export class DeviceLedger {
  private readonly now: () => number;
  private readonly refusalMemoryMs: number;
  private readonly inFlightWaitMs: number;

  constructor(private readonly options: DeviceLedgerOptions) {
    this.now = options.now ?? Date.now;
    this.refusalMemoryMs = options.refusalMemoryMs ?? 24 * 3600_000;
    this.inFlightWaitMs = options.inFlightWaitMs ?? 15_000;
  }

  async read(account: AccountIdentity): Promise<AccountRecord> {
    return (await this.load(account)).record;
  }

  /** Versions whose password the device refused within the refusal memory. */
  async refusedVersions(account: AccountIdentity): Promise<ReadonlySet<string>> {
    return (await this.searchState(account)).refused;
  }

  /** What a search for the version on the device needs, from one read: the recent refusals, the last change sent. */
  async searchState(account: AccountIdentity): Promise<{ refused: ReadonlySet<string>; changeSentTo?: string }> {
    const record = await this.read(account);
    const since = this.now() - this.refusalMemoryMs;
    const refused = new Set(Object.entries(record.refused).filter(([, at]) => at > since).map(([version]) => version));
    return { refused, changeSentTo: record.changeSent?.version };
  }

  /**
   * Reserves one login before it is sent. Refused (nothing is sent) when the device said the account is locked, or when
   * one more charged login within the window would exceed the automated budget (`automatedBudget`); other logins still in
   * flight are waited for a while first, as they usually settle as accepted.
   */
  async reserveLogin(
    secretArn: string,
    account: AccountIdentity,
    model: LockoutModel,
    spend: { by: string; what: string; version?: string },
  ): Promise<Reservation> {
    const chargeId = randomUUID();
    const waitUntil = this.now() + this.inFlightWaitMs;
    for (;;) {
      let blocked: Error | undefined;
      let waitForInFlight = false;
      await this.update(account, (record) => {
        const now = this.now();
        if (record.lockedUntil !== undefined && record.lockedUntil > now) {
          blocked = new AccountLockedByDeviceError(secretArn, account, record.lockedUntil);
          return undefined;
        }
        const charges = this.inWindow(record.charges, model, now);
        const budget = automatedBudget(model);
        if (charges.length + 1 > budget) {
          const inFlight = charges.filter((charge) => charge.state === 'in-flight').length;
          waitForInFlight = inFlight > 0 && now < waitUntil;
          blocked = new LoginBudgetExhaustedError(secretArn, account, model, charges.length, safeAt(charges, model, budget), spend.what, inFlight);
          return undefined;
        }
        blocked = undefined;
        const charge: Charge = { id: chargeId, at: now, state: 'in-flight', by: spend.by, what: spend.what, ...(spend.version ? { version: spend.version } : {}) };
        return { ...record, charges: [...charges, charge] };
      });
      if (blocked === undefined) return { account, chargeId, version: spend.version, model };
      if (!waitForInFlight) throw blocked;
      await sleep(250);
    }
  }

  /**
   * Records what a reserved login cost. An accepted login clears the refusals of the version it used. A charged login
   * counts from when its answer came (or the deadline passed) plus `lateMs`: a device counts a failure when the request
   * reaches it, which for a request that timed out may be later still.
   */
  async settle(reservation: Reservation, cost: LoginCost, by: string, lateMs = 0): Promise<void> {
    await this.update(reservation.account, (record) => {
      const now = this.now();
      const others = record.charges.filter((charge) => charge.id !== reservation.chargeId);
      const mine = record.charges.find((charge) => charge.id === reservation.chargeId);
      if (cost === 'none') {
        const refused = { ...record.refused };
        if (reservation.version !== undefined) delete refused[reservation.version];
        return { ...record, charges: others, refused, lastAccepted: { at: now, by, ...(reservation.version ? { version: reservation.version } : {}) } };
      }
      const settled: Charge = { ...(mine ?? { id: reservation.chargeId, by, what: 'login' }), at: now + lateMs, state: cost };
      const refused = cost === 'failed' && reservation.version !== undefined ? { ...record.refused, [reservation.version]: now } : record.refused;
      const lockedUntil = cost === 'locked' ? now + reservation.model.windowSeconds * 1000 : record.lockedUntil;
      return { ...record, charges: [...others, settled], refused, ...(lockedUntil === undefined ? {} : { lockedUntil }) };
    });
  }

  /**
   * Takes the account's lease for `holder` (an execution ARN) until `until`. A lease held by another holder is taken
   * over only when it has expired or `hasEnded(holder)` is positive evidence that its execution is over; otherwise
   * `LeaseHeldError`. The same holder asking again (a retried task) keeps its lease.
   */
  async acquireLease(account: AccountIdentity, holder: string, until: number, hasEnded: (holder: string) => Promise<boolean>): Promise<void> {
    for (;;) {
      const { record } = await this.load(account);
      const lease = record.lease;
      const free = lease === undefined || lease.holder === holder || lease.until <= this.now() || (await hasEnded(lease.holder));
      if (!free) throw new LeaseHeldError(lease.holder);
      let lost = false;
      await this.update(account, (latest) => {
        if (latest.lease !== undefined && latest.lease.holder !== lease?.holder) {
          lost = true; // someone else took it meanwhile: decide again
          return undefined;
        }
        return { ...latest, lease: { holder, since: latest.lease?.holder === holder ? latest.lease.since : this.now(), until } };
      });
      if (!lost) return;
    }
  }

  /**
   * Notes, before it is sent, that a change to `version` is about to go to the device. A refusal of that version
   * remembered from before no longer says anything: the device may be on it once the change lands.
   */
  async noteChangeSent(account: AccountIdentity, version: string, by: string): Promise<void> {
    await this.update(account, (record) => {
      if (record.changeSent?.version === version && record.refused[version] === undefined) return undefined;
      const refused = { ...record.refused };
      delete refused[version];
      return { ...record, refused, changeSent: { version, at: this.now(), by } };
    });
  }

  /** Forgets a noted change to `version`: the device answered that it did not happen. */
  async clearChangeSent(account: AccountIdentity, version: string): Promise<void> {
    await this.update(account, (record) => {
      if (record.changeSent?.version !== version) return undefined;
      const { changeSent: _cleared, ...rest } = record;
      return rest;
    });
  }

  /** Keeps the result of a heartbeat as the account's last (only the newest is kept: a late writer never goes back in time). */
  async recordHeartbeat(account: AccountIdentity, heartbeat: HeartbeatRecord): Promise<void> {
    await this.update(account, (record) => {
      if (record.lastHeartbeat !== undefined && record.lastHeartbeat.at > heartbeat.at) return undefined;
      return { ...record, lastHeartbeat: heartbeat };
    });
  }

  /** The account's last heartbeat, if any (a strongly consistent read). */
  async lastHeartbeat(account: AccountIdentity): Promise<HeartbeatRecord | undefined> {
    return (await this.read(account)).lastHeartbeat;
  }

  /** Gives the lease back, if `holder` still has it. */
  async releaseLease(account: AccountIdentity, holder: string): Promise<void> {
    await this.update(account, (record) => {
      if (record.lease?.holder !== holder) return undefined;
      const { lease: _released, ...rest } = record;
      return rest;
    });
  }

  private inWindow(charges: readonly Charge[], model: LockoutModel, now: number): Charge[] {
    return charges.filter((charge) => charge.at > now - model.windowSeconds * 1000);
  }

  private async load(account: AccountIdentity): Promise<{ record: AccountRecord; revision: number | undefined }> {
    const answer = await dynamoDb().send(
      new GetItemCommand({ TableName: this.options.tableName, Key: { pk: { S: accountKey(account) } }, ConsistentRead: true }),
    );
    if (answer.Item === undefined) return { record: EMPTY, revision: undefined };
    return { record: JSON.parse(answer.Item.record?.S ?? '{}') as AccountRecord, revision: Number(answer.Item.revision?.N) };
  }

  /** Read, change, write back on the same revision; `change` returning undefined means "nothing to write". */
  private async update(account: AccountIdentity, change: (record: AccountRecord) => AccountRecord | undefined): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const { record, revision } = await this.load(account);
      const next = change(record);
      if (next === undefined) return;
      const now = this.now();
      try {
        await dynamoDb().send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: {
              pk: { S: accountKey(account) },
              revision: { N: String((revision ?? 0) + 1) },
              record: { S: JSON.stringify(next) },
              account: { S: `${account.username}@${account.vendor}:${account.host}:${account.port}` },
              updatedAt: { S: new Date(now).toISOString() },
              expiresAt: { N: String(Math.floor((now + KEEP_ITEM_MS) / 1000)) },
            },
            ...(revision === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'revision = :revision', ExpressionAttributeValues: { ':revision': { N: String(revision) } } }),
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= WRITE_ATTEMPTS) throw error;
        await sleep(Math.random() * 20 * attempt);
      }
    }
  }
}

/** When enough of the charges in the window will have left it for one more login to fit the budget. */
function safeAt(charges: readonly Charge[], model: LockoutModel, budget: number): number {
  const times = charges.map((charge) => charge.at).sort((a, b) => a - b);
  // One more fits once `times.length - budget + 1` of the oldest have left the window.
  const leaving = times[Math.max(0, times.length - budget)] ?? times[0] ?? 0;
  return leaving + model.windowSeconds * 1000;
}
