/**
 * What to do about each failure, by error name: the one place the actions of README's "Failure table" live in code,
 * for everything that tells an operator about a failure (notifications, the operator CLI). README's table has a row
 * for every name here (test/lambda/failure-actions.test.ts checks both ways).
 */
export const FAILURE_ACTIONS: Readonly<Record<string, string>> = {
  DeviceOutOfSyncError:
    'Someone changed the device password outside the rotator; nothing more was tried. Set the device password to the AWSCURRENT value by hand (or store the real password as a new AWSCURRENT version), run a console "verify", then rotate.',
  LoginBudgetExhaustedError:
    'Nothing was sent: the failed-login budget has no room. Wait until the time the error names (a scheduled retry or a console "rotate" goes on by itself). If it repeats, the stored passwords are likely wrong (see DeviceOutOfSyncError); check that the secret\'s "lockout" matches the device.',
  LoginOutcomeUnknownError:
    'A login got no usable answer in time and was charged as a failed login. If the device is slow to refuse, raise "requestTimeoutMs" above its refusal delay; check reachability, then rotate.',
  RotationInProgressError: 'Another execution (named in the error) holds the account\'s lease. Nothing was done: wait for it to end.',
  VersionIdentityError:
    'A stored version is for another account, host, port or vendor than AWSCURRENT. Remove the old pending rotation\'s AWSPENDING label (README "Changing a device\'s address or certificate"), then rotate.',
  PrivilegedResetRefusedError:
    'The privileged secret could not be used (not configured in privilegedSecretArns, unreadable, not naming the account in "resetAccounts", another device, or the same user). Nothing was sent. Fix the privileged secret, then a console "rotate" resumes.',
  TlsVerificationError:
    'The device presented another certificate than the pinned one; no request was sent. Check the device, write AWSCURRENT again with the new "tls.certificateSha256" / "tls.caCertificate", and rotate.',
  AccountLockedError:
    'The device locked the account. Look for other clients using the old password, or a "lockout" in the secret looser than the device\'s. Unlock it on the device, then "verify" and rotate.',
  PasswordRejectedError:
    'The new password breaks the device policy: adjust "passwordPolicy" in the secret, clear the pending version (README "Failure table", stuck AWSPENDING), rotate again.',
  DeviceUnreachableError:
    'The device could not be reached (nothing was sent). In a VPC, check the functions\' route to the device and to Secrets Manager / Step Functions / KMS (VPC endpoints or NAT). The device stays on the password that logs in.',
  TooManyRestarts:
    'Sessions kept dying. Check the device and the network path to it (README "Failure table", DeviceUnreachableError); the device stays on the password that logs in. Rotate again once it is stable.',
  InvalidDeviceSecretError: 'The secret\'s JSON is not a valid device secret: fix each field the error names, then rotate.',
  SessionBoundToAddressError:
    'The device answered 409: a session of the user is bound to another client address. Close the user\'s other sessions, run the device function from one egress address ("singleEgressSubnets"), then rotate. Nothing was retried.',
  DeviceCommissioningError: 'The device is new or factory-reset (commissioning mode) and answers every login with 409: commission it (set up its first user), then "verify" and rotate.',
  DeviceDriftError:
    'Someone changed the password on the device: set it back to AWSCURRENT or store the device\'s real password as AWSCURRENT, then run a console "verify". Nothing was changed. If a rotation is pending, run a console "abandon" first.',
  AbandonRefusedError:
    'Abandon changed nothing: the device is on neither stored version, or it could not be found out without risking a lockout. Read the reason in the error: set the device to AWSCURRENT (or store its real password), or wait for the time the error gives, then start "abandon" again.',
  InvalidExecutionInput: 'The execution\'s input is not one the state machine runs: the console runs "rotate", "verify", "abandon" and "heartbeat" only.',
  AwsThrottledError:
    'An AWS call stayed throttled beyond its retries; it is retried later with backoff. If it persists, raise the quota that binds (README "Quotas and throttling").',
  'States.Timeout':
    'The execution or a task ran past its timeout. A timed-out task\'s function had already ended; the next attempt finds which stored version works. If it repeats, check the device\'s response times and the state machine timeout.',
  ExecutionAborted: 'Someone stopped the execution (StopExecution). If a rotation was pending, a console "rotate" resumes it; else nothing to do.',
  RotationFailed:
    'Secrets Manager\'s rotation failed and its AWSPENDING version stays: read the failed execution named set-<tag>-<token> (or the rotation function\'s log). Once the cause is fixed, a console "rotate" resumes that rotation; if the pending password itself is the problem, remove its AWSPENDING label and rotate again.',
  RotationAbandoned:
    'Secrets Manager abandoned the rotation (a new version was written by hand) and removed AWSPENDING. Check that the device logs in with AWSCURRENT (console "verify").',
  ChangeOutcomeUnknownError:
    'A password change got no usable answer: the next search finds which stored password the device is on. Check reachability, then `rotate` (it resumes the pending rotation).',
  AuthenticationFailedError: 'The device refused the login. Nothing more was tried. Check the stored password against the device (`verify`), see DeviceOutOfSyncError.',
  InsufficientPrivilegeError: 'The account may not do what was asked (e.g. the privileged account is not an admin). Fix the account\'s rights on the device, then `rotate`.',
  SecretNotFoundError: 'The secret (or the version) does not exist: check the name or ARN.',
};

/** Errors that mean the same to an operator as one in the table. */
const SAME_AS: Readonly<Record<string, string>> = {
  DeviceOutOfSyncRecoverableError: 'DeviceOutOfSyncError',
  LeaseHeldError: 'RotationInProgressError',
  TlsRefusal: 'TlsVerificationError',
};

/** What to do for an error: its entry, else the advice every failure shares. */
export function failureAction(errorName: string | undefined): string {
  const action = errorName === undefined ? undefined : FAILURE_ACTIONS[SAME_AS[errorName] ?? errorName];
  return action ?? 'Read the error and the failed state in the execution; README "Failure table" lists what each error means and what to do. Fix the cause, then rotate (a pending rotation resumes).';
}
