import type { Vendor } from '../device/types';

/** One account on one device: what the ledger keys on, and what every version of a rotated secret must agree on. */
export interface AccountIdentity {
  readonly vendor: Vendor;
  /** Lower case: DNS names are case-insensitive. */
  readonly host: string;
  readonly port: number;
  readonly username: string;
}

export function accountOf(secret: { vendor: Vendor; host: string; port?: number; username: string }): AccountIdentity {
  return { vendor: secret.vendor, host: secret.host.toLowerCase(), port: secret.port ?? 443, username: secret.username };
}

/** The ledger's partition key. */
export function accountKey(account: AccountIdentity): string {
  return `account#${account.vendor}#${account.host}:${account.port}#${account.username}`;
}

/** e.g. `account "admin" on <vendor> device 10.0.0.1:443` */
export function describeAccount(account: AccountIdentity): string {
  return `account "${account.username}" on ${account.vendor} device ${account.host}:${account.port}`;
}

export function sameAccount(a: AccountIdentity, b: AccountIdentity): boolean {
  return accountKey(a) === accountKey(b);
}

/** Which identity field two accounts differ in, for an error message; undefined when they are the same account. */
export function identityDifference(expected: AccountIdentity, other: AccountIdentity): string | undefined {
  for (const field of ['vendor', 'host', 'port', 'username'] as const) {
    if (expected[field] !== other[field]) return `${field} "${other[field]}" instead of "${expected[field]}"`;
  }
  return undefined;
}
