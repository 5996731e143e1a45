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
 * A selectable behaviour of the simulated device (a field fact, or a plausible shape no source rules out): its
 * simulator options. The client contract suite and the fault matrix run over every variant, so adding one is one line
 * in the vendor's `variants`.
 */
export interface SimulatorVariant {
  /** Short, stable: it names contract suites and fault-matrix cases (`<vendor> [<name>] / …`). */
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** Where the behaviour comes from (vendor-notes section, seed file or URL), or "unconfirmed". */
  readonly source: string;
  /**
   * The part of the protocol it changes: the fault-matrix sample `npm test` runs on it is a password changed by hand
   * (`login`: refusals are read in its shape) or a lost change answer (`change`: the change runs in its words).
   */
  readonly changes: 'login' | 'change';
}

/** A transient answer seen in the field on one request: the fault matrix runs each (`<vendor> / <label>`). */
export interface FieldFault {
  readonly label: string;
  readonly rule: FaultRule;
  /** Where it comes from (vendor-notes section, seed file or URL). */
  readonly source: string;
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
  /**
   * The selectable behaviours besides the default (the simulator's options alone): the contract suite and the fault
   * matrix run over each.
   */
  readonly variants?: readonly SimulatorVariant[];
  /** Answers seen in the field that the generic faults do not make (e.g. a 409 at login). */
  readonly fieldFaults?: readonly FieldFault[];
  /** The bench subjects: the first is the vendor as the README recommends deploying it. */
  readonly benchVariants: readonly BenchVariant[];
  /** A conversation fault that restarts the conversation, for `npm start -- --fault conversation-expires`. */
  readonly conversationExpires?: FaultRule;
  /** Extra users `npm run devices` adds (e.g. an account an admin may reset). */
  readonly demoUsers?: (password: () => string) => SimulatedUser[];
}
