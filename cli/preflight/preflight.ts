import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../../lambda/aws/secrets-manager-client';
import { DeviceCommissioningError, SessionBoundToAddressError } from '../../lambda/device/errors';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../lambda/device/http';
import { createDeviceClient } from '../../lambda/device/registry';
import type { ClientOptions, LoginOutcome } from '../../lambda/device/types';
import { accountOf, describeAccount } from '../../lambda/ledger/account';
import { AccountLogins } from '../../lambda/ledger/account-logins';
import type { DeviceLedger } from '../../lambda/ledger/device-ledger';
import { AccountLockedByDeviceError, LoginBudgetExhaustedError } from '../../lambda/ledger/errors';
import { automatedBudget, lockoutOf } from '../../lambda/ledger/lockout';
import { type DeviceSecret, endpointOf, generationPolicyOf, parseDeviceSecret } from '../../lambda/secret/device-secret';
import { vendorModule } from '../../lambda/vendors';
import { type CertificateFacts, inspectCertificate } from './certificate';
import { describeGeneration, describeKnownPolicy, policyProblems } from './policy';

/** Where the secret comes from: its JSON as read (a file, a simulator), or its id in Secrets Manager (AWSCURRENT). */
export type PreflightSource = { readonly secretString: string; readonly label: string } | { readonly secretId: string };

export interface PreflightInput {
  readonly source: PreflightSource;
  /** The deployment's device ledger: the login is reserved and settled in the account's budget. Without it, not checked. */
  readonly ledger?: DeviceLedger;
  /** Client options (a logger for the TLS warnings). */
  readonly clientOptions?: ClientOptions;
}

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export interface PreflightCheck {
  readonly name: 'secret' | 'tls' | 'budget' | 'login' | 'policy';
  readonly status: CheckStatus;
  /** One line; never a password or token. */
  readonly summary: string;
}

/** Everything preflight found; `exitCode`: 0 ready, 1 something would stop a rotation, 2 the secret is not usable. */
export interface PreflightReport {
  readonly secret: string;
  readonly device?: { readonly vendor: string; readonly host: string; readonly port: number; readonly username: string };
  readonly checks: readonly PreflightCheck[];
  readonly certificate?: CertificateFacts;
  /** What a rotation would do, step by step. */
  readonly rotation: readonly string[];
  /** What would stop it. */
  readonly blockers: readonly string[];
  readonly ready: boolean;
  readonly exitCode: 0 | 1 | 2;
}

/** The principal preflight charges its login to in the ledger. */
export const PREFLIGHT_SPENDER = 'preflight (operator)';

/**
 * Checks a device secret before its first rotation, changing nothing on the device: validates the secret, reads the
 * device's certificate (no request byte sent) and compares it with the pin, logs in once with AWSCURRENT (within the
 * ledger's budget when a ledger is given; not at all when the certificate would be refused), checks that the passwords
 * the secret's policy generates satisfy what is known of the device's, and says what a rotation would do and what
 * would stop it.
 */
export async function runPreflight(input: PreflightInput): Promise<PreflightReport> {
  const label = 'secretId' in input.source ? input.source.secretId : input.source.label;
  const checks: PreflightCheck[] = [];
  const blockers: string[] = [];
  let secret: DeviceSecret;
  try {
    const secretString = 'secretId' in input.source ? await readCurrent(input.source.secretId) : input.source.secretString;
    secret = parseDeviceSecret(secretString, label, 'AWSCURRENT');
  } catch (error) {
    const summary = error instanceof Error ? error.message : String(error);
    return { secret: label, checks: [{ name: 'secret', status: 'fail', summary }], rotation: [], blockers: [summary], ready: false, exitCode: 2 };
  }
  const module = vendorModule(secret.vendor);
  const port = secret.port ?? 443;
  const device = { vendor: secret.vendor, host: secret.host, port, username: secret.username };
  checks.push({ name: 'secret', status: 'ok', summary: `valid device secret of vendor ${secret.vendor} (${module.label})` });

  const certificate = await tlsCheck(secret, checks, blockers);
  const trusted = certificate !== undefined && ['pin-match', 'ca-match', 'public'].includes(certificate.trust);
  if (trusted || secret.tls?.insecureSkipVerify === true) await loginCheck(input, label, secret, checks, blockers);
  else checks.push({ name: 'login', status: 'skipped', summary: 'not attempted: the rotator would refuse this certificate, so nothing would be sent' });

  policyCheck(secret, checks, blockers);
  const ready = blockers.length === 0;
  return { secret: label, device, checks, ...(certificate ? { certificate } : {}), rotation: rotationPlan(secret), blockers, ready, exitCode: ready ? 0 : 1 };
}

async function readCurrent(secretId: string): Promise<string | undefined> {
  const answer = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  return answer.SecretString;
}

async function tlsCheck(secret: DeviceSecret, checks: PreflightCheck[], blockers: string[]): Promise<CertificateFacts | undefined> {
  const where = `${secret.host}:${secret.port ?? 443}`;
  let facts: CertificateFacts;
  try {
    facts = await inspectCertificate(secret.host, secret.port ?? 443, secret.tls ?? {}, secret.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  } catch (error) {
    const summary = `no TLS connection to ${where}: ${error instanceof Error ? error.message : String(error)}`;
    checks.push({ name: 'tls', status: 'fail', summary });
    blockers.push(`${summary} (check the address, the port and the route from the device functions)`);
    return undefined;
  }
  const presented = `presented SHA-256 ${facts.sha256}`;
  const expired = facts.expired ? ` (the certificate is outside its validity, ${facts.validFrom} to ${facts.validTo})` : '';
  switch (facts.trust) {
    case 'pin-match':
    case 'ca-match':
      checks.push({ name: 'tls', status: facts.expired ? 'warn' : 'ok', summary: `the certificate matches the ${facts.trust === 'pin-match' ? 'pinned SHA-256' : 'pinned CA certificate'}${expired}` });
      break;
    case 'public':
      checks.push({ name: 'tls', status: 'ok', summary: `no pin; the certificate is trusted by the public CAs for ${secret.tls?.serverName ?? secret.host}` });
      break;
    case 'pin-mismatch':
    case 'ca-mismatch': {
      const summary = `the certificate does not match the pinned ${facts.trust === 'pin-mismatch' ? 'SHA-256' : 'CA certificate'} (${presented}): every login would fail with TlsVerificationError`;
      checks.push({ name: 'tls', status: 'fail', summary });
      blockers.push(`${summary}; if this is the device's new certificate, write the tls block shown into the secret`);
      break;
    }
    case 'none': {
      if (secret.tls?.insecureSkipVerify === true) {
        checks.push({ name: 'tls', status: 'warn', summary: `verification is turned off (insecureSkipVerify); ${presented}: pin it instead` });
        break;
      }
      const summary = `no pin, and the certificate is not trusted by the public CAs (${presented}): every login would fail with TlsVerificationError`;
      checks.push({ name: 'tls', status: 'fail', summary });
      blockers.push(`${summary}; check the fingerprint on the device, then add the tls block shown to the secret`);
      break;
    }
  }
  return facts;
}

async function loginCheck(input: PreflightInput, label: string, secret: DeviceSecret, checks: PreflightCheck[], blockers: string[]): Promise<void> {
  const endpoint = endpointOf(secret);
  const client = createDeviceClient(endpoint, input.clientOptions, secret);
  const model = lockoutOf(secret);
  const account = accountOf(secret);
  const credentials = { username: secret.username, password: secret.password };
  let outcome: LoginOutcome;
  if (input.ledger === undefined) {
    checks.push({ name: 'budget', status: 'skipped', summary: `no device ledger given: the account's budget (${automatedBudget(model)} per ${model.windowSeconds} s) was not checked` });
    outcome = await client.verifyLogin(credentials);
  } else {
    const lateMs = 2 * (endpoint.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    const logins = new AccountLogins(input.ledger, label, account, model, PREFLIGHT_SPENDER, lateMs);
    try {
      outcome = await logins.verify({ what: 'preflight login with AWSCURRENT' }, () => client.verifyLogin(credentials));
      checks.push({ name: 'budget', status: 'ok', summary: `the login fitted in the account's budget (${automatedBudget(model)} automated per ${model.windowSeconds} s; the device locks after ${model.attempts})` });
    } catch (error) {
      if (!(error instanceof LoginBudgetExhaustedError || error instanceof AccountLockedByDeviceError)) throw error;
      const spent = error instanceof LoginBudgetExhaustedError;
      const summary = spent
        ? `the failed-login budget of ${describeAccount(account)} is spent; nothing was sent. Safe to try again after ${new Date(error.safeAt).toISOString()}`
        : `the device reported ${describeAccount(account)} locked; nothing was sent before ${new Date(error.lockedUntil).toISOString()}`;
      checks.push({ name: 'budget', status: 'fail', summary });
      checks.push({ name: 'login', status: 'skipped', summary: 'not attempted (budget)' });
      blockers.push(summary);
      return;
    }
  }
  recordLogin(outcome, checks, blockers);
}

function recordLogin(outcome: LoginOutcome, checks: PreflightCheck[], blockers: string[]): void {
  const fail = (summary: string) => {
    checks.push({ name: 'login', status: 'fail', summary });
    blockers.push(summary);
  };
  switch (outcome.status) {
    case 'accepted':
      checks.push({ name: 'login', status: 'ok', summary: 'AWSCURRENT logs in (and the session was closed)' });
      return;
    case 'rejected':
      return fail(`the device refused AWSCURRENT's password (one failed login spent): set the device's password to AWSCURRENT's, or store the device's real password, then run preflight again. ${outcome.error.message}`);
    case 'locked':
      return fail(`the account is locked on the device: unlock it, then run preflight again. ${outcome.error.message}`);
    case 'unavailable':
      return fail(`the login could not be sent (nothing spent): ${outcome.error.message}`);
    case 'unknown':
      if (outcome.error instanceof DeviceCommissioningError) return fail(`commissioning mode: ${outcome.error.message}`);
      if (outcome.error instanceof SessionBoundToAddressError) return fail(`another session is bound to another address: ${outcome.error.message}`);
      return fail(`the login's outcome is unknown (it may have cost a failed login): ${outcome.error.message}`);
  }
}

function policyCheck(secret: DeviceSecret, checks: PreflightCheck[], blockers: string[]): void {
  const module = vendorModule(secret.vendor);
  const generation = generationPolicyOf(secret);
  const known = module.devicePolicy;
  if (known === undefined) {
    checks.push({ name: 'policy', status: 'warn', summary: `generates ${describeGeneration(generation)}; no public source gives the device's policy: the first rotation tells (a refusal changes nothing)` });
    return;
  }
  const problems = policyProblems(generation, known);
  if (problems.length === 0) {
    checks.push({ name: 'policy', status: 'ok', summary: `generates ${describeGeneration(generation)}: within the device's known policy, ${describeKnownPolicy(known)}` });
    return;
  }
  const summary = `passwordPolicy does not fit the device's known policy (${describeKnownPolicy(known)}): ${problems.join('; ')}`;
  checks.push({ name: 'policy', status: 'fail', summary });
  blockers.push(`${summary}. Adjust passwordPolicy in the secret`);
}

/** What the rotation would do on this device, in the order it does it. */
function rotationPlan(secret: DeviceSecret): string[] {
  const module = vendorModule(secret.vendor);
  const generation = generationPolicyOf(secret);
  const change =
    module.work === 'conversation'
      ? `change the password in the device's password conversation, one state per question (acknowledge, current, new, retype)${secret.conversation?.maxRestarts !== undefined ? `, restarted at most ${secret.conversation.maxRestarts} times` : ''}`
      : 'change the password in the same session';
  return [
    `generate a new password (${describeGeneration(generation)}) as AWSPENDING`,
    `log in as ${secret.username} on ${secret.host}:${secret.port ?? 443} with AWSCURRENT, charged to the account's budget (${automatedBudget(lockoutOf(secret))} per ${lockoutOf(secret).windowSeconds} s)`,
    change,
    'log in with the new password (testSecret), then move AWSCURRENT to it and keep the old one as AWSPREVIOUS',
  ];
}
