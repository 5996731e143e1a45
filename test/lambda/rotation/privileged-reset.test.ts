import { createDeviceClient } from '../../../lambda/device/registry';
import { VENDORS } from '../../../lambda/device/types';
import { vendorModule, VENDOR_MODULES } from '../../../lambda/vendors';
import { synthesizeRotatorTemplate } from '../../../local/engine/local-engine';
import { workflowFromTemplate } from '../../../local/engine/synthesized-workflow';

const PRIVILEGED_RESET_VENDORS = VENDOR_MODULES.filter((module) => module.canResetOthers).map((module) => module.id);
const LABELS = Object.fromEntries(VENDORS.map((vendor) => [vendor, vendorModule(vendor).shortLabel])) as Record<(typeof VENDORS)[number], string>;

describe('out-of-sync recovery with a privileged account', () => {
  const states = workflowFromTemplate(synthesizeRotatorTemplate()).definition.States as Record<
    string,
    { Type: string; Next?: string; Catch?: Array<{ ErrorEquals: string[]; Next: string }>; Parameters?: Record<string, unknown> }
  >;

  test('the workflow has a reset branch for exactly the vendors whose module says (canResetOthers), and they are the vendors whose client can', () => {
    const canReset = VENDORS.filter((vendor) => typeof createDeviceClient({ vendor, host: 'device.example' }).resetPassword === 'function');
    expect([...PRIVILEGED_RESET_VENDORS].sort()).toEqual([...canReset].sort());
    for (const vendor of VENDORS) {
      expect(states[`${LABELS[vendor]}: Reset with privileged account`] !== undefined).toBe(canReset.includes(vendor));
    }
  });

  test.each(PRIVILEGED_RESET_VENDORS)('%s: only DeviceOutOfSyncRecoverableError leads from the change to the reset, which goes on as after a change', (vendor) => {
    const label = LABELS[vendor];
    const probe = states[`${label}: Log in and change password`];
    const catches = (probe?.Catch ?? []).filter((c) => c.Next === `${label}: Reset with privileged account`);
    expect(catches).toEqual([expect.objectContaining({ ErrorEquals: ['DeviceOutOfSyncRecoverableError'] })]);
    const reset = states[`${label}: Reset with privileged account`];
    expect(reset?.Type).toBe('Task');
    expect(reset?.Next).toBe(`${label}: Verify now?`);
    // The local engine's definition invokes the function directly (no `Payload` wrapper).
    const payload = (reset?.Parameters?.Payload ?? reset?.Parameters) as Record<string, unknown>;
    expect(payload).toEqual({ operation: 'reset', 'secretArn.$': '$.secretArn', 'token.$': '$.token', 'execution.$': '$$.Execution.Id' });
    // An answer lost during the reset goes back to finding which password logs in, as a lost change does.
    expect(reset?.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['ChangeOutcomeUnknownError', 'SessionExpiredError'], Next: `${label}: Count restart` })]);
  });
});
