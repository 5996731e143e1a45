import type { ProtocolMinimum } from '../bench/protocol-minimum';
import type { SimulatedUser } from './accounts';
import type { SimulatedDevice, SimulatorOptions } from './device-server';
import type { FaultRule } from './faults';

/** What a fault-matrix case needs set up for its operation to be on the rotation path at all. */
export interface CaseSetup {
  /** Simulator options of this vendor's own, for the case (e.g. a short timestamp lifetime). */
  readonly simulator?: Record<string, unknown>;
  /** Armed before the case's fault (and cleared with it). */
  readonly extraRules?: readonly FaultRule[];
}

/** One device operation on the rotation path; `skip` picks a request among several of the same name. */
export interface FaultOperation {
  readonly label: string;
  readonly on: string;
  readonly skip?: number;
  /** The request presents a session (token, cookie, conversation id). */
  readonly session: boolean;
  readonly conversation?: boolean;
  /** The request whose new password the device checks (where `reject-new-password` acts). */
  readonly rejects?: boolean;
  readonly setup?: CaseSetup;
}

/** A benchmark subject: the vendor as deployed one way (e.g. with or without a pre-registered OAuth client). */
export interface BenchVariant {
  readonly name: string;
  readonly protocolMinimum: ProtocolMinimum;
  /** Device secret fields the operator sets up by hand before rotation (e.g. an OAuth client). */
  readonly secretExtras?: (device: SimulatedDevice, credentials: { username: string; password: string }) => Promise<Record<string, unknown>>;
  /** Before each rotation: what a new Lambda instance would not have (scheduled rotations are days apart). */
  readonly beforeEachRotation?: () => void;
}

/**
 * Everything one vendor's simulator is, for the tools and tests that run it: how to start it, which request changes
 * the password, the operations the fault matrix upsets, and the fewest requests a rotation can make on its API.
 */
export interface SimulatorModule {
  readonly vendor: string;
  readonly start: (options: SimulatorOptions & Record<string, unknown>) => Promise<SimulatedDevice>;
  /** The request on which the device changes a password. */
  readonly changeRequest: Pick<FaultRule, 'on' | 'skip'>;
  readonly faultOperations: readonly FaultOperation[];
  /** The bench subjects: the first is the vendor as the README recommends deploying it. */
  readonly benchVariants: readonly BenchVariant[];
  /** A conversation fault that restarts the conversation, for `npm start -- --fault conversation-expires`. */
  readonly conversationExpires?: FaultRule;
  /** Extra users `npm run devices` adds (e.g. an account an admin may reset). */
  readonly demoUsers?: (password: () => string) => SimulatedUser[];
}
