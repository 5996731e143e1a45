import { PasswordRejectedError, SessionExpiredError } from '../../../../lambda/device/errors';
import { UnifiedAssuranceClient } from '../../../../lambda/device/vendors/unified-assurance';
import { startUnifiedAssuranceSimulator } from '../../../../local/simulators/unified-assurance';
import { canaryPassword } from '../../../helpers/canary';
import { describeClientContract } from './client-contract';

describeClientContract({
  vendor: 'oracle-unified-assurance',
  start: startUnifiedAssuranceSimulator,
  client: (endpoint, options) => new UnifiedAssuranceClient(endpoint, options),
  changeRequest: { on: 'change-password' },
  sessionExpiry: { on: 'change-password', fault: { kind: 'session-expired' } },
  sessionExpiryScope: 'session',
  weakPassword: 'short',
  policyRejection: 'policy',
});

describe('Unified Assurance specifics', () => {
  test('a session that idles past the device timeout is refused with 401 and reported as expired', async () => {
    const password = canaryPassword();
    const device = await startUnifiedAssuranceSimulator({ users: [{ username: 'admin', password }], sessionIdleMs: 1 });
    try {
      const client = new UnifiedAssuranceClient({ vendor: 'oracle-unified-assurance', host: device.host, port: device.port, tls: { caCertificate: device.certificatePem } });
      // The login succeeds, then the session idles past 1 ms before the change arrives.
      device.injectFault({ on: 'change-password', fault: { kind: 'latency', ms: 20 } });
      const error = await client.changePassword({ username: 'admin', currentPassword: password, newPassword: canaryPassword() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionExpiredError);
      expect(device.passwordOf('admin')).toBe(password);
    } finally {
      await device.stop();
    }
  });

  test('a new password equal to the current one is refused as a policy violation', async () => {
    const password = canaryPassword();
    const device = await startUnifiedAssuranceSimulator({ users: [{ username: 'admin', password }] });
    try {
      const client = new UnifiedAssuranceClient({ vendor: 'oracle-unified-assurance', host: device.host, port: device.port, tls: { caCertificate: device.certificatePem } });
      const error = await client.changePassword({ username: 'admin', currentPassword: password, newPassword: password }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PasswordRejectedError);
      expect((error as PasswordRejectedError).reason).toBe('policy');
    } finally {
      await device.stop();
    }
  });
});
