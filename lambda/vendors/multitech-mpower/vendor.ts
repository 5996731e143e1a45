import { DEFAULT_GENERATION_POLICY } from '../../secret/password-policy';
import { defineVendor } from '../vendor-module';

/**
 * MultiTech mPower (MTR / Conduit gateways). Passwords: PAM `pam_pwquality`-style rules want upper, lower, digit and
 * special. Lockout: `bruteForcePrevention`, on by default in current firmware, 3 failures then 300 s (vendor notes §5).
 */
export const multitechMpower = defineVendor({
  id: 'multitech-mpower',
  label: 'MultiTech mPower',
  shortLabel: 'mPower',
  passwordPolicy: { ...DEFAULT_GENERATION_POLICY, length: 20 },
  lockout: { attempts: 3, windowSeconds: 300 },
  work: 'conversation',
  canResetOthers: false,
  handlerEntry: 'lambda/vendors/multitech-mpower/handler.ts',
  clientModule: 'lambda/vendors/multitech-mpower/client',
  // The password conversation's step deadline and restarts (README "Device secret format").
  secretFields: ['conversation'],
  devicePolicy: { minLength: 8, maxLength: 64, source: 'vendor-notes §5: current firmware, 8 to 64 characters, no character class required' },
});
