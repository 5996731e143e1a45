import { DEFAULT_GENERATION_POLICY } from '../../secret/password-policy';
import { defineVendor } from '../vendor-module';

/** Oracle Communications Unified Assurance 6.x (formerly Federos Assure1). Policy and lockout unconfirmed: defaults. */
export const oracleUnifiedAssurance = defineVendor({
  id: 'oracle-unified-assurance',
  label: 'Oracle Unified Assurance',
  shortLabel: 'Unified Assurance',
  passwordPolicy: { ...DEFAULT_GENERATION_POLICY },
  lockout: { attempts: 5, windowSeconds: 900 },
  work: 'session-change',
  canResetOthers: false,
  handlerEntry: 'lambda/vendors/oracle-unified-assurance/handler.ts',
  clientModule: 'lambda/vendors/oracle-unified-assurance/client',
});
