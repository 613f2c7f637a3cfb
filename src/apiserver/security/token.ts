// The admin bearer token: random, made on first start, kept in the data dir
// (mode 0600), compared in constant time.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureAdminToken(dir: string): string {
  const path = join(dir, 'admin.token');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64url') + '\n', { mode: 0o600 });
  return readFileSync(path, 'utf8').trim();
}

export class TokenAuthenticator {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = Buffer.from(token);
  }

  /** Whether the Authorization header carries the admin token. */
  authenticate(authorization: string | undefined): boolean {
    if (!authorization) return false;
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match) return false;
    const given = Buffer.from(match[1]!.trim());
    return given.length === this.expected.length && timingSafeEqual(given, this.expected);
  }
}
