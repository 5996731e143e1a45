import type { LockoutModel } from '../ledger/lockout';
import type { GeneratedPasswordPolicy } from '../secret/password-policy';

/**
 * How a vendor's device work runs in the workflow:
 * - `session-change`: one task logs in and changes the password in the same session (`DeviceTasks.change`);
 * - `conversation`: a password conversation, one state per question (a PAM conversation through an API).
 */
export type DeviceWork = 'session-change' | 'conversation';

/** What public sources say of the passwords a vendor's device accepts (checked by preflight against the generation policy). */
export interface KnownDevicePolicy {
  readonly minLength: number;
  readonly maxLength: number;
  /** White space is refused (generated passwords never hold any). */
  readonly forbidsWhitespace?: boolean;
  /** Character classes every password must hold. */
  readonly requires?: readonly ('upper' | 'lower' | 'digit' | 'punctuation')[];
  /** Where it comes from (vendor-notes section, seed file or URL). */
  readonly source: string;
}

/**
 * Everything one vendor is, as data: what the rest of the product asks of it. The vendor's code sits beside it in its
 * folder (`lambda/vendors/<id>/`): `client.ts` (the `DeviceClient`, exported as `createClient`) and `handler.ts` (its
 * device function). This file imports no client code, so that functions which only need the list stay small.
 */
export interface VendorModule<Id extends string = string> {
  /** As it appears in a device secret's `vendor`. */
  readonly id: Id;
  /** In messages: `<label> 10.0.0.1:443, step "login": …`. */
  readonly label: string;
  /** In state names: `<short label>: Log in`. */
  readonly shortLabel: string;
  /** How new passwords are generated for it (a secret's `passwordPolicy` overrides fields). */
  readonly passwordPolicy: GeneratedPasswordPolicy;
  /** Its default lockout (a secret's `lockout` overrides it). */
  readonly lockout: LockoutModel;
  readonly work: DeviceWork;
  /** Its API lets an admin set another user's password (`DeviceClient.resetPassword`): the out-of-sync recovery. */
  readonly canResetOthers: boolean;
  /** The device function's entry file, from the repository root. */
  readonly handlerEntry: string;
  /** The client module (exporting `createClient`), from the repository root. */
  readonly clientModule: string;
  /** What is known of the device's own password policy, when a public source says (preflight checks it). */
  readonly devicePolicy?: KnownDevicePolicy;
  /** Device secret fields only this vendor uses (e.g. `oauthClient`); a secret of another vendor may not set them. */
  readonly secretFields?: readonly string[];
}

export function defineVendor<Id extends string>(module: VendorModule<Id>): VendorModule<Id> {
  return module;
}
