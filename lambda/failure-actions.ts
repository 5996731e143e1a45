/**
 * What an operator does about each failure, by error name: README's "Failure table", as code, for everything that
 * tells an operator about a failure (the CLI today; notifications may share it). Keep the two in step.
 */
export const FAILURE_ACTIONS: Readonly<Record<string, string>> = {
  DeviceOutOfSyncError:
    'No stored password logs in: someone changed the device password outside the rotator. Set the device password to the AWSCURRENT value by hand (or store the real password as a new AWSCURRENT version), run `verify`, then `rotate`.',
  DeviceOutOfSyncRecoverableError:
    'No stored password logs in: someone changed the device password outside the rotator. Set the device password to the AWSCURRENT value by hand (or store the real password as a new AWSCURRENT version), run `verify`, then `rotate`.',
  LoginBudgetExhaustedError:
    'Nothing was sent: the logins already charged within the lockout window leave no room for another. Wait until the time the message gives, then `rotate` again. Several in a row mean the stored passwords are likely wrong (see DeviceOutOfSyncError); check the secret\'s `lockout` matches the device.',
  LoginOutcomeUnknownError:
    'A login got no usable answer in time: it may have cost a failed login, so it was not retried. Check reachability; for a device slow to refuse, raise `requestTimeoutMs` above its refusal delay; then `rotate`.',
  ChangeOutcomeUnknownError:
    'A password change got no usable answer: the next search finds which stored password the device is on. Check reachability, then `rotate` (it resumes the pending rotation).',
  RotationInProgressError: 'Another execution (named in the message) holds the account\'s lease. Nothing was done. Wait for it to end, then try again.',
  LeaseHeldError: 'Another execution (named in the message) holds the account\'s lease. Nothing was done. Wait for it to end, then try again.',
  VersionIdentityError:
    'A stored version is for another account, host, port or vendor than AWSCURRENT. After moving a device or renaming an account, remove the old AWSPENDING label (README: "Changing a device\'s address or certificate").',
  PrivilegedResetRefusedError:
    'The privileged secret could not be used for a reset (not configured as privileged, unreadable, not naming the account in `resetAccounts`, another device). Fix it, then `rotate` resumes.',
  TlsVerificationError:
    'The device presented another certificate than the one pinned. No request was sent. Check the device, write AWSCURRENT again with the new `tls.certificateSha256` / `tls.caCertificate`, then `rotate`.',
  TlsRefusal:
    'The TLS connection was refused before any request was sent. Check the device certificate and the secret\'s `tls` settings, then `rotate`.',
  AccountLockedError:
    'The device locked the account. Look for other clients using the old password, or a `lockout` in the secret looser than the device\'s. Unlock it on the device, then `verify` and `rotate`.',
  PasswordRejectedError:
    'The device refused the new password (its policy). Adjust `passwordPolicy` in the secret, remove the AWSPENDING label of the pending version (`aws secretsmanager update-secret-version-stage --version-stage AWSPENDING --remove-from-version-id <token>`), then `rotate`. If the device answers "policy-or-current-password", a `verify` tells which: if it succeeds, it was the policy.',
  AuthenticationFailedError: 'The device refused the login. Nothing more was tried. Check the stored password against the device (`verify`), see DeviceOutOfSyncError.',
  InsufficientPrivilegeError: 'The account may not do what was asked (e.g. the privileged account is not an admin). Fix the account\'s rights on the device, then `rotate`.',
  DeviceUnreachableError:
    'The device could not be reached (the request was never sent). In a VPC, check the functions\' route to the device and to Secrets Manager / Step Functions / KMS (VPC endpoints or NAT). The device stays on the password that logs in.',
  TooManyRestarts: 'The device\'s sessions kept dying. Check the device (load, session limits), then `rotate`.',
  InvalidDeviceSecretError: 'The secret\'s JSON is not a valid device secret: the message names the version and each field at fault. Fix the value, then `verify`.',
  SecretNotFoundError: 'The secret (or the version) does not exist: check the name or ARN.',
  InvalidExecutionInput:
    'The state machine does not run this input. The console runs the actions of the version deployed: deploy the current version of the stack for newer actions.',
  AwsThrottledError: 'AWS throttled the calls beyond what the retries absorb. Nothing is lost: `rotate` again later (README "Quotas and throttling").',
  'States.Timeout': 'A state ran out of time. Check the device\'s reachability and answer times, then `rotate` (a pending rotation resumes).',
};

/** The action for an error name; a generic one for names the table does not know. */
export function failureAction(errorName: string | undefined): string {
  if (errorName !== undefined && FAILURE_ACTIONS[errorName] !== undefined) return FAILURE_ACTIONS[errorName];
  return 'Read the execution\'s history (the failed state and its cause) and README "Failure table"; fix the cause, then `rotate` (a pending rotation resumes).';
}
