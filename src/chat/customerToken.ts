// Customer tokens: opaque bearer tokens `<chatId>.<32 random bytes, base64url>` that open one chat.
// Only their SHA-256 hash is stored, so a leaked store opens no chat; they expire, and close when
// the customer leaves.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { CustomerTokenRecord, CustomerTokenStore } from './ports';

/** How long a customer token opens its chat: a working day of chatting, then the widget starts anew. */
export const customerTokenLifetimeMs = 24 * 3600 * 1000;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function unauthorized(chatId: string): DomainError {
  return new DomainError('CHAT.UNAUTHORIZED', `a valid customer token for chat ${chatId} is required (Authorization: Bearer <token>)`, { chatId });
}

/** Issues the chat's token and stores its hash; a second issue replaces the first token. */
export async function issueCustomerToken(chatId: string, now: Date, tokens: CustomerTokenStore): Promise<{ token: string; expiresAt: string }> {
  const token = `${chatId}.${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(now.getTime() + customerTokenLifetimeMs).toISOString();
  await tokens.put({ chatId, sha256: sha256(token), issuedAt: now.toISOString(), expiresAt, closedAt: null });
  return { token, expiresAt };
}

/** The token from an `Authorization: Bearer <token>` header value, or undefined. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * Throws CHAT.UNAUTHORIZED unless `token` is the open (or, with `allowClosed`, closed), unexpired
 * token of `chatId`. Every failure gives the same answer, so a caller cannot tell a foreign chat
 * from an expired token.
 */
export async function verifyCustomerToken(chatId: string, token: string | undefined, now: Date, tokens: CustomerTokenStore, options: { allowClosed?: boolean } = {}): Promise<CustomerTokenRecord> {
  // The chat id in front saves a read for another chat's token; the hash comparison decides.
  if (!token || !token.startsWith(`${chatId}.`)) throw unauthorized(chatId);
  const record = await tokens.read(chatId);
  if (!record || (record.closedAt !== null && !options.allowClosed) || Date.parse(record.expiresAt) <= now.getTime()) throw unauthorized(chatId);
  const presented = Buffer.from(sha256(token), 'hex');
  const stored = Buffer.from(record.sha256, 'hex');
  if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) throw unauthorized(chatId);
  return record;
}

/** Closes the chat's token (the customer left); closing a closed token changes nothing. */
export async function closeCustomerToken(chatId: string, now: Date, tokens: CustomerTokenStore): Promise<void> {
  const record = await tokens.read(chatId);
  if (!record || record.closedAt !== null) return;
  await tokens.put({ ...record, closedAt: now.toISOString() });
}
