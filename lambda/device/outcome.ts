import {
  AccountLockedError,
  AuthenticationFailedError,
  DeviceCommissioningError,
  DeviceError,
  DeviceUnreachableError,
  SessionBoundToAddressError,
  TlsVerificationError,
} from './errors';
import type { LoginOutcome } from './types';

/**
 * What an operation's error says its login cost on the device:
 * - `none`: success (`undefined`), an error after the login (`duringLogin` false: the login was accepted), or a login
 *   that certainly never reached the device (`DeviceUnreachableError` with `requestSent` false, `TlsVerificationError`);
 * - `failed`: the device refused the credentials (`AuthenticationFailedError`): one failed login;
 * - `locked`: the device says the account is locked (`AccountLockedError`);
 * - `unknown`: anything else from a login exchange, or an error that is not a `DeviceError`: the login may have cost
 *   a failed login.
 */
export type LoginCost = 'none' | 'failed' | 'unknown' | 'locked';

export function loginCostOf(error: unknown): LoginCost {
  if (error === undefined) return 'none';
  if (!(error instanceof DeviceError)) return 'unknown';
  if (!error.duringLogin) return 'none';
  if (error instanceof AuthenticationFailedError) return 'failed';
  if (error instanceof AccountLockedError) return 'locked';
  if (error instanceof TlsVerificationError) return 'none';
  if (error instanceof DeviceUnreachableError && !error.requestSent) return 'none';
  return 'unknown';
}

/**
 * Turns what a login attempt threw into the outcome `verifyLogin` reports. Non-device errors are bugs: rethrown.
 * A refusal is `rejected`, a lock `locked`; an error that cost no login (never sent, TLS refused, or before the
 * login exchange) is `unavailable`; any other error of the login exchange is `unknown` (it may have cost a failed login).
 */
export function loginOutcomeOf(error: unknown): LoginOutcome {
  if (error instanceof AuthenticationFailedError) return { status: 'rejected', error };
  if (error instanceof AccountLockedError) return { status: 'locked', error };
  if (error instanceof DeviceError) return loginCostOf(error) === 'none' ? { status: 'unavailable', error } : { status: 'unknown', error };
  throw error;
}

/** Runs a login attempt and reports its outcome instead of throwing. */
export async function attemptLogin(login: () => Promise<unknown>): Promise<LoginOutcome> {
  try {
    await login();
    return { status: 'accepted' };
  } catch (error) {
    return loginOutcomeOf(error);
  }
}

/**
 * A login refused for a reason the device stated (commissioning mode, a session bound to another address): its cost is
 * unknown all the same (charged, never retried), but the error keeps its own name, so that the operator reads the
 * cause rather than "outcome unknown".
 */
export function statesItsCause(error: unknown): boolean {
  return error instanceof SessionBoundToAddressError || error instanceof DeviceCommissioningError;
}
