// Continuation tokens: ours round-trip; anything else is a 400 naming the parameter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../../src/api/httpErrors';
import { decodePageToken, encodePageToken } from '../../../src/api/pageToken';

describe('page tokens', () => {
  it('round-trip the store token, and say nothing on the last page', () => {
    const cosmosToken = '{"token":"+RID:~abc==#RT:1#TRC:2","range":{"min":"","max":"FF"}}';
    const token = encodePageToken('services', cosmosToken);
    assert.ok(token && /^[A-Za-z0-9_-]+$/.test(token), 'URL-safe');
    assert.equal(decodePageToken('services', token), cosmosToken);
    assert.equal(encodePageToken('services', undefined), undefined);
    assert.equal(decodePageToken('services', undefined), undefined);
  });

  it('refuses tokens that are not ours or page another list', () => {
    const agentsToken = encodePageToken('agents', 'x');
    for (const token of ['garbage', '{"a":1}', Buffer.from('{"list":"services"}').toString('base64url'), agentsToken ?? '']) {
      assert.throws(
        () => decodePageToken('services', token),
        (err: unknown) => err instanceof ValidationError && err.issues[0]?.path === '/continuationToken',
        token,
      );
    }
  });
});
