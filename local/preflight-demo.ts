/**
 * `npx tsx local/preflight-demo.ts`: preflight against a simulated device as an operator meets it when adding one (the
 * output README "Adding a device" shows): a secret written without a pin, the same secret with the tls block pasted,
 * then the device holding another session of the user from another address. Passwords are fresh and never printed.
 */
import { VENDORS } from '../lambda/device/types';
import { formatPreflightText, runPreflight, startLocalPreflightDevice } from '../cli/preflight';
import { simulatorModule } from './simulators';

/** The variant whose device binds a session to the client address (one vendor's, today), and the vendor it is of. */
const VARIANT = 'session-per-address';
function vendorWithVariant(): { vendor: string; options: Record<string, unknown> } {
  for (const vendor of VENDORS) {
    const variant = simulatorModule(vendor).variants?.find((candidate) => candidate.name === VARIANT);
    if (variant !== undefined) return { vendor, options: variant.options };
  }
  throw new Error(`no simulator has a "${VARIANT}" variant`);
}

type HoldsSessions = { openSessionFrom(address: string, username: string): void };

async function main(): Promise<void> {
  const { vendor, options } = vendorWithVariant();
  const local = await startLocalPreflightDevice(vendor, options);
  const device = local.device as unknown as HoldsSessions;
  try {
    const { tls: _pin, ...withoutPin } = local.secret;
    const show = async (title: string, secret: Record<string, unknown>) => {
      const report = await runPreflight({ source: { secretString: JSON.stringify(secret), label: 'gw-17.json' } });
      console.log(`# ${title}\n${formatPreflightText(report)}\n(exit code ${report.exitCode})\n`);
    };
    await show('written without a pin', withoutPin);
    await show('with the tls block pasted', local.secret);
    device.openSessionFrom('192.0.2.80', 'admin');
    await show('someone logged in from another address', local.secret);
  } finally {
    await local.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
