import { captureOutput, type OutputCapture } from '../../local/capture-output';
import { type LocalEngine, type LocalEngineOptions, startLocalEngine } from '../../local/engine/local-engine';
import type { SimulatedDevice } from '../../local/simulators';
import { canaryPassword, expectNoSecrets } from './canary';

export interface EngineHarness {
  /** Set once `beforeAll` has run. */
  engine: LocalEngine;
  /** Everything written to stdout (the functions' log lines) while the file ran. */
  readonly output: string[];
  /** Passwords and tokens that must appear in no history and no log line. */
  readonly secretsSeen: string[];
  /** Devices to stop at the end; their issued tokens join the leak scan. */
  readonly devices: SimulatedDevice[];
  /** A canary password, remembered for the leak scan. */
  canary(label: string): string;
}

/**
 * One local engine for a test file, with stdout captured, and at the end a leak scan of every execution history and
 * every captured line for every password and token the file used. Call at the top level of the file.
 */
export function useLocalEngine(options?: LocalEngineOptions): EngineHarness {
  let stdout: OutputCapture | undefined;
  const harness: EngineHarness = {
    engine: undefined as unknown as LocalEngine,
    output: [],
    secretsSeen: [],
    devices: [],
    canary(label) {
      const password = canaryPassword(label);
      harness.secretsSeen.push(password);
      return password;
    },
  };

  beforeAll(async () => {
    stdout = captureOutput({ streams: ['stdout'], into: harness.output });
    harness.engine = await startLocalEngine(options);
  }, 60_000);

  afterAll(async () => {
    const histories = await harness.engine.allHistoriesText();
    for (const device of harness.devices) {
      harness.secretsSeen.push(...device.issuedTokens());
      await device.stop();
    }
    await harness.engine.stop();
    stdout?.restore();
    // The scan must have had something to read, or it proves nothing.
    expect(histories.length).toBeGreaterThan(0);
    expect(harness.output.join('').length).toBeGreaterThan(0);
    expectNoSecrets(histories, harness.secretsSeen);
    expectNoSecrets(harness.output.join(''), harness.secretsSeen);
  });

  return harness;
}

