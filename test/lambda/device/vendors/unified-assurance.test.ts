import { PasswordRejectedError, SessionExpiredError } from '../../../../lambda/device/errors';
import { UnifiedAssuranceClient } from '../../../../lambda/vendors/oracle-unified-assurance/client';
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
  logoutOperation: 'logout',
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

  test.each([
    ['a 403 at login is unknown (ambiguous), not a refusal', 403, { success: false, message: 'Forbidden' }, 'unknown'],
    ['a 401 HTML page with WWW-Authenticate: Basic is a refusal', 401, '<html><title>401 Unauthorized</title></html>', 'rejected'],
    ['a 200 success:false is a refusal', 200, { success: false, message: 'Invalid username or password' }, 'rejected'],
    ['a 200 that is not JSON is unknown', 200, '<html>maintenance</html>', 'unknown'],
  ])('%s', async (_label, status, body, expected) => {
    const password = canaryPassword();
    const device = await startUnifiedAssuranceSimulator({ users: [{ username: 'admin', password }] });
    try {
      device.injectFault({ on: 'login', fault: { kind: 'respond', status, body, headers: typeof body === 'string' ? { 'content-type': 'text/html', 'www-authenticate': 'Basic realm="x"' } : {} } });
      const client = new UnifiedAssuranceClient({ vendor: 'oracle-unified-assurance', host: device.host, port: device.port, tls: { caCertificate: device.certificatePem } });
      const outcome = await client.verifyLogin({ username: 'admin', password });
      expect(outcome.status).toBe(expected);
      expect(outcome.status !== 'accepted' && outcome.error.duringLogin).toBe(true);
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
