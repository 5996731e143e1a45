import { AccountLockedError, AuthenticationFailedError, DeviceError } from './errors';
import type { LoginOutcome } from './types';

/** Turns what a login attempt threw into the outcome `verifyLogin` reports. Non-device errors are bugs: rethrown. */
export function loginOutcomeOf(error: unknown): LoginOutcome {
  if (error instanceof AuthenticationFailedError) return { status: 'rejected', error };
  if (error instanceof AccountLockedError) return { status: 'locked', error };
  if (error instanceof DeviceError) return { status: 'unavailable', error };
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
