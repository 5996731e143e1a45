import { AWSCURRENT, AWSPENDING, describeSecret, readDeviceVersion, versionWithStage } from '../aws/secret-versions';
import { vendorLabel } from '../device/errors';

/** What a message says of the secret and its device: never a password. */
export interface DeviceFacts {
  readonly secretArn: string;
  readonly secretName: string;
  /** host:port, vendor and account, from AWSCURRENT; or why they could not be read. */
  readonly device: { readonly host: string; readonly port: number; readonly vendor: string; readonly username: string } | { readonly unknown: string };
  /** The pending version's id (a rotation's token), when one is staged apart from AWSCURRENT. */
  readonly pendingToken?: string;
  /** The stored passwords, for scrubbing the message only: they never leave the notifier. */
  readonly passwords: readonly string[];
  /** The secret's tags (empty when it could not be described). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Reads the secret's description and its AWSCURRENT (and pending) version: host, port, vendor and username go in the
 * message; the passwords are kept only to scrub the message of them.
 */
export async function deviceFacts(secretId: string): Promise<DeviceFacts> {
  let description;
  try {
    description = await describeSecret(secretId);
  } catch (error) {
    return { secretArn: secretId, secretName: secretId, device: { unknown: `the secret could not be read (${nameOf(error)})` }, passwords: [], tags: {} };
  }
  const currentId = versionWithStage(description, AWSCURRENT);
  const pendingId = versionWithStage(description, AWSPENDING);
  const pendingToken = pendingId !== undefined && pendingId !== currentId ? pendingId : undefined;
  const passwords: string[] = [];
  let device: DeviceFacts['device'];
  try {
    const current = await readDeviceVersion(description.arn, { stage: AWSCURRENT });
    if (current === undefined) device = { unknown: 'the secret has no AWSCURRENT value' };
    else {
      passwords.push(current.secret.password);
      const { host, port, vendor, username } = current.secret;
      device = { host, port: port ?? 443, vendor: vendorLabel(vendor), username };
    }
  } catch (error) {
    device = { unknown: `AWSCURRENT could not be read (${nameOf(error)})` };
  }
  if (pendingToken !== undefined) {
    try {
      const pending = await readDeviceVersion(description.arn, { token: pendingToken });
      if (pending !== undefined) passwords.push(pending.secret.password);
    } catch {
      // Only for scrubbing: an unreadable pending version cannot be in a message either.
    }
  }
  return { secretArn: description.arn, secretName: description.name, device, pendingToken, passwords, tags: description.tags };
}

/** An error's type only: its message may quote what it could not parse. */
function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown error';
}
