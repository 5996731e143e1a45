import { randomBytes } from 'node:crypto';

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

/**
 * Sessions that die after an idle gap, as device sessions do. Each use renews the idle timer.
 * `expireAll` stands in for a device restart or an administrator clearing sessions.
 */
export class SessionStore<T> {
  private readonly sessions = new Map<string, { data: T; lastUsed: number }>();
  /** Every id ever handed out, so that tests can scan for leaked tokens. */
  readonly issued: string[] = [];

  constructor(
    private readonly idleMs: number,
    private readonly newId: () => string = () => randomHex(16),
    private readonly now: () => number = Date.now,
  ) {}

  create(data: T): string {
    const id = this.newId();
    this.issued.push(id);
    this.sessions.set(id, { data, lastUsed: this.now() });
    return id;
  }

  /** The session's data, or undefined if unknown or idle for too long (it is then forgotten). */
  use(id: string | undefined): T | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (this.now() - session.lastUsed > this.idleMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastUsed = this.now();
    return session.data;
  }

  /** Calls `visit` with every session not idle for too long (without renewing any). */
  forEachLive(visit: (data: T) => void): void {
    for (const session of this.sessions.values()) if (this.now() - session.lastUsed <= this.idleMs) visit(session.data);
  }

  destroy(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  destroyWhere(predicate: (data: T) => boolean): void {
    for (const [id, session] of this.sessions) if (predicate(session.data)) this.sessions.delete(id);
  }

  expireAll(): void {
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }
}
