import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, closeCustomerToken, customerTokenLifetimeMs, issueCustomerToken, verifyCustomerToken } from '../../../src/chat/customerToken';
import { DomainError } from '../../../src/domain/errors';
import { MemoryTokens } from '../../support/memoryChat';

const start = new Date('2026-11-21T09:00:00Z');
const later = (ms: number) => new Date(start.getTime() + ms);
const isUnauthorized = (err: unknown) => err instanceof DomainError && err.code === 'CHAT.UNAUTHORIZED';

describe('customer tokens', () => {
  it('open their own chat until they expire, and only the hash is stored', async () => {
    const tokens = new MemoryTokens();
    const { token, expiresAt } = await issueCustomerToken('chat-1', start, tokens);
    assert.match(token, /^chat-1\.[A-Za-z0-9_-]{43}$/);
    assert.equal(Date.parse(expiresAt) - start.getTime(), customerTokenLifetimeMs);
    const stored = JSON.stringify(tokens.records.get('chat-1'));
    assert.ok(!stored.includes(token.slice('chat-1.'.length)), 'the token itself is not stored');
    await verifyCustomerToken('chat-1', token, later(customerTokenLifetimeMs - 1), tokens);
    await assert.rejects(verifyCustomerToken('chat-1', token, later(customerTokenLifetimeMs), tokens), isUnauthorized, 'expired');
  });

  it("refuse another chat's token, a tampered or missing token, and a closed one", async () => {
    const tokens = new MemoryTokens();
    const one = await issueCustomerToken('chat-1', start, tokens);
    const two = await issueCustomerToken('chat-2', start, tokens);
    await assert.rejects(verifyCustomerToken('chat-1', two.token, start, tokens), isUnauthorized, "chat 2's token on chat 1");
    // Same secret, but claimed for the other chat: the hash decides, not the prefix.
    const relabelled = `chat-2.${one.token.slice('chat-1.'.length)}`;
    await assert.rejects(verifyCustomerToken('chat-2', relabelled, start, tokens), isUnauthorized, 'relabelled token');
    const tampered = `${one.token.slice(0, -1)}${one.token.endsWith('A') ? 'B' : 'A'}`;
    await assert.rejects(verifyCustomerToken('chat-1', tampered, start, tokens), isUnauthorized, 'tampered');
    await assert.rejects(verifyCustomerToken('chat-1', undefined, start, tokens), isUnauthorized, 'missing');
    await assert.rejects(verifyCustomerToken('chat-3', 'chat-3.whatever', start, tokens), isUnauthorized, 'no token issued');
    await closeCustomerToken('chat-1', later(1000), tokens);
    await assert.rejects(verifyCustomerToken('chat-1', one.token, later(2000), tokens), isUnauthorized, 'closed');
    await verifyCustomerToken('chat-1', one.token, later(2000), tokens, { allowClosed: true });
    await verifyCustomerToken('chat-2', two.token, later(2000), tokens);
  });

  it('are read from an Authorization: Bearer header only', () => {
    assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
    assert.equal(bearerToken('bearer abc.def'), 'abc.def');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken(null), undefined);
  });
});
