// ETag and If-Match headers over the stores' ETags.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagHeader, parseIfMatch } from '../../../src/api/etags';
import { ValidationError } from '../../../src/api/httpErrors';

describe('etagHeader', () => {
  it('keeps a quoted ETag and quotes a bare one', () => {
    assert.equal(etagHeader('"0000-1"'), '"0000-1"');
    assert.equal(etagHeader('0000-1'), '"0000-1"');
  });
});

describe('parseIfMatch', () => {
  it('is undefined without the header', () => {
    assert.equal(parseIfMatch(null), undefined);
  });

  it('matches the listed strong tags only', () => {
    const condition = parseIfMatch('"a", "b"');
    assert.ok(condition);
    assert.equal(condition.matches('"a"'), true);
    assert.equal(condition.matches('b'), true, 'a bare stored ETag compares by its header form');
    assert.equal(condition.matches('"c"'), false);
    assert.equal(parseIfMatch('W/"a"')?.matches('"a"'), false, 'If-Match compares strongly');
  });

  it('matches anything with *', () => {
    assert.equal(parseIfMatch('*')?.matches('"whatever"'), true);
  });

  it('refuses a malformed header, naming it', () => {
    for (const header of ['a', '"a" b', '', '"a",,']) {
      assert.throws(
        () => parseIfMatch(header),
        (err: unknown) => err instanceof ValidationError && err.issues[0]?.path === '/headers/if-match',
        header,
      );
    }
  });
});
