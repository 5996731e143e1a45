/**
 * `npx tsx cli/preflight/demo.ts`: preflight against a simulated device as an operator meets it when adding one (the
 * output README "Adding a device" shows): a secret written without a pin, the same secret with the tls block pasted,
 * then the device holding another session of the user from another address. Passwords are fresh and never printed.
 */
import { formatPreflightText } from './format';
import { startLocalPreflightDevice } from './local';
import { runPreflight } from './preflight';
import type { MPowerSimulatedDevice } from '../../local/simulators/mpower';

async function main(): Promise<void> {
  const local = await startLocalPreflightDevice('multitech-mpower', { sessionPerAddress: true });
  const device = local.device as MPowerSimulatedDevice;
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
