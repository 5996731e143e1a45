import { DEFAULT_GENERATION_POLICY } from '../../secret/password-policy';
import { defineVendor } from '../vendor-module';

/**
 * Oracle SD-WAN Edge (formerly Talari) 9.1. Length limits unconfirmed: 24 mixed characters stays well inside the
 * usual ones. Its API lets an admin set another user's password without the old one: the out-of-sync recovery.
 */
export const oracleSdwanEdge = defineVendor({
  id: 'oracle-sdwan-edge',
  label: 'Oracle SD-WAN Edge',
  shortLabel: 'SD-WAN Edge',
  passwordPolicy: { ...DEFAULT_GENERATION_POLICY },
  lockout: { attempts: 5, windowSeconds: 900 },
  work: 'session-change',
  canResetOthers: true,
  handlerEntry: 'lambda/vendors/oracle-sdwan-edge/handler.ts',
  clientModule: 'lambda/vendors/oracle-sdwan-edge/client',
});
