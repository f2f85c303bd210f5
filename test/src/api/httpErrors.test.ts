// Mapping errors to HTTP: JSON pointers for validation issues and for domain errors about one field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonPointer, toHttpError, ValidationError } from '../../../src/api/httpErrors';
import { z } from '../../../src/api/zod';
import { DomainError } from '../../../src/domain/errors';

describe('jsonPointer', () => {
  it('names the document root "/" and escapes "~" and "/" in segments', () => {
    assert.equal(jsonPointer([]), '/');
    assert.equal(jsonPointer(['memberships', 0, 'profile']), '/memberships/0/profile');
    assert.equal(jsonPointer(['skills', 'a/b~c']), '/skills/a~1b~0c');
  });
});

describe('ValidationError.fromZod', () => {
  it('names each unknown field by its own pointer', () => {
    const schema = z.object({ a: z.object({ b: z.number() }).strict() }).strict();
    const result = schema.safeParse({ a: { b: 1, c: 2, d: 3 }, e: 4 });
    assert.ok(!result.success);
    const error = ValidationError.fromZod(result.error, 'body');
    assert.deepEqual(error.issues.map((i) => i.path).sort(), ['/a/c', '/a/d', '/e']);
    assert.ok(error.issues.every((i) => i.message === 'unknown field'));
  });
});

describe('toHttpError', () => {
  it('answers a domain error about a body field with a 400 naming it', () => {
    const mapped = toHttpError(new DomainError('AGENT.UNKNOWN_SERVICE', 'service x not found', { serviceId: 'x', pointer: '/memberships/1/serviceId' }));
    assert.equal(mapped?.status, 400);
    assert.equal(mapped?.jsonBody.error.code, 'AGENT.UNKNOWN_SERVICE');
    assert.deepEqual(mapped?.jsonBody.error.issues, [{ path: '/memberships/1/serviceId', message: 'service x not found' }]);
  });

  it('maps the admin conflicts: taken id, tasks still held, stale ETag', () => {
    assert.equal(toHttpError(new DomainError('CONFLICT.EXISTS', 'taken'))?.status, 409);
    assert.equal(toHttpError(new DomainError('SERVICE.HAS_TASKS', 'waiting'))?.status, 409);
    assert.equal(toHttpError(new DomainError('AGENT.HAS_TASKS', 'busy'))?.status, 409);
    assert.equal(toHttpError(new DomainError('CONFLICT.STALE_ETAG', 'stale'))?.status, 412);
    assert.equal(toHttpError(new DomainError('SERVICE.NOT_FOUND', 'gone'))?.jsonBody.error.issues, undefined);
  });

  it('lists every issue of a refused workflow, with its activity, without repeating them in details', () => {
    const issues = [{ path: '/nodes/1/settings/calendarId', activity: 'hours', message: 'CheckOpeningHours "hours": calendar "x" does not exist' }];
    const mapped = toHttpError(new DomainError('WORKFLOW.INVALID', 'workflow refused', { issues }));
    assert.equal(mapped?.status, 400);
    assert.deepEqual(mapped?.jsonBody.error.issues, issues);
    assert.deepEqual(mapped?.jsonBody.error.details, {});
    assert.equal(toHttpError(new DomainError('SERVICE.UNKNOWN_WORKFLOW', 'no such workflow', { pointer: '/workflowId' }))?.status, 400);
    assert.equal(toHttpError(new DomainError('CALENDAR.IN_USE', 'used'))?.status, 409);
    assert.equal(toHttpError(new DomainError('WORKFLOW.VERSION_NOT_FOUND', 'no v9'))?.status, 404);
  });
});
