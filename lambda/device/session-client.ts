import { DeviceHttp } from './http';
import { attemptLogin } from './outcome';
import type { ClientOptions, Credentials, DeviceClient, DeviceEndpoint, LoginOutcome, PasswordChange, Vendor } from './types';

/**
 * What the vendors that log in to a session share: the HTTP channel to the device, and a `verifyLogin` that is one
 * login followed by a logout. Each vendor supplies its own `login` and `logout`.
 */
export abstract class SessionDeviceClient<Session> implements DeviceClient {
  abstract readonly vendor: Vendor;
  protected readonly http: DeviceHttp;

  constructor(
    readonly endpoint: DeviceEndpoint,
    options: ClientOptions = {},
  ) {
    this.http = new DeviceHttp(endpoint, options);
  }

  verifyLogin(credentials: Credentials): Promise<LoginOutcome> {
    return attemptLogin(async () => {
      const session = await this.login(credentials);
      await this.logout(session, [credentials.password]);
    });
  }

  abstract changePassword(change: PasswordChange): Promise<void>;

  protected abstract login(credentials: Credentials): Promise<Session>;

  /** Best effort: a session left open expires on the device by itself. `secrets` are those in play, for scrubbing. */
  protected abstract logout(session: Session, secrets: readonly string[]): Promise<void>;
}
