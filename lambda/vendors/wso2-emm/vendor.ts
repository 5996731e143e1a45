import { DEFAULT_GENERATION_POLICY } from '../../secret/password-policy';
import { defineVendor } from '../vendor-module';

/**
 * WSO2 EMM 2.0.x. Passwords: the user store takes 5 to 30 characters without white space. Lockout: off by default in
 * EMM 2.0.1 (vendor notes §5); 5 failures in 900 s assumed, as for any device that says nothing else.
 */
export const wso2Emm = defineVendor({
  id: 'wso2-emm',
  label: 'WSO2 EMM',
  shortLabel: 'WSO2 EMM',
  passwordPolicy: { ...DEFAULT_GENERATION_POLICY, length: 24 },
  lockout: { attempts: 5, windowSeconds: 900 },
  work: 'session-change',
  canResetOthers: false,
  handlerEntry: 'lambda/vendors/wso2-emm/handler.ts',
  clientModule: 'lambda/vendors/wso2-emm/client',
  secretFields: ['oauthClient'],
  devicePolicy: { minLength: 5, maxLength: 30, forbidsWhitespace: true, source: 'vendor-notes §2: the user store\'s default PasswordJavaRegEx ^[\\S]{5,30}$' },
});
