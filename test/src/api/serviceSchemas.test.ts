// Service bodies: defaults, bounds and cross-field rules, each refusal naming its field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWith } from '../../../src/api/parseRequest';
import { ServiceCreateBody, ServiceUpdateBody } from '../../../src/api/serviceSchemas';
import type { z } from 'zod';
import { refusedPointers } from '../../support/refusedPointers';

const minimal = { name: 'Support', address: 'support@contoso.example', distribution: { policy: 'longest-idle' } };

const refusal = (body: unknown, schema: z.ZodType = ServiceCreateBody): string[] => refusedPointers(schema, body);

describe('ServiceCreateBody', () => {
  it('fills defaults for everything but name, address and policy', () => {
    assert.deepEqual(parseWith(ServiceCreateBody, minimal, 'body'), {
      ...minimal,
      imEnabled: true,
      distribution: { policy: 'longest-idle', requiredSkills: [], ronaTimeoutSeconds: 30 },
      afterCallWork: { durationSeconds: 60, extendable: false, maxExtensionSeconds: 0, canEndEarly: true },
      maxQueueSize: 1000,
      defaultPriority: 50,
      workflowId: null,
      allowedOrigins: [],
    });
  });

  it('accepts the edges of every range', () => {
    for (const [ronaTimeoutSeconds, durationSeconds, maxQueueSize, defaultPriority] of [
      [5, 0, 1, 0],
      [600, 3600, 100_000, 100],
    ]) {
      const body = { ...minimal, distribution: { policy: 'round-robin', ronaTimeoutSeconds }, afterCallWork: { durationSeconds }, maxQueueSize, defaultPriority };
      assert.doesNotThrow(() => parseWith(ServiceCreateBody, body, 'body'));
    }
  });

  it('refuses values out of range, naming the field', () => {
    assert.deepEqual(refusal({ ...minimal, distribution: { policy: 'priority', ronaTimeoutSeconds: 601 } }), ['/distribution/ronaTimeoutSeconds']);
    assert.deepEqual(refusal({ ...minimal, distribution: { policy: 'priority', ronaTimeoutSeconds: 4.5 } }), ['/distribution/ronaTimeoutSeconds']);
    assert.deepEqual(refusal({ ...minimal, afterCallWork: { durationSeconds: -1 } }), ['/afterCallWork/durationSeconds']);
    assert.deepEqual(refusal({ ...minimal, maxQueueSize: 100_001 }), ['/maxQueueSize']);
    assert.deepEqual(refusal({ ...minimal, defaultPriority: -1 }), ['/defaultPriority']);
    assert.deepEqual(refusal({ ...minimal, imEnabled: 'yes' }), ['/imEnabled']);
    assert.deepEqual(refusal({ ...minimal, name: '   ' }), ['/name']);
    assert.deepEqual(refusal({ ...minimal, id: '-leading-dash' }), ['/id']);
    assert.deepEqual(refusal({ ...minimal, id: 'x'.repeat(65) }), ['/id']);
  });

  it('refuses unknown fields at any depth, one issue per field', () => {
    assert.deepEqual(refusal({ ...minimal, colour: 'red', afterCallWork: { durationSeconds: 10, snooze: true } }).sort(), ['/afterCallWork/snooze', '/colour']);
    assert.deepEqual(refusal({ ...minimal, updatedAt: '2026-01-01T00:00:00Z' }), ['/updatedAt']);
  });

  it("ties required skills to the 'skills' policy", () => {
    assert.deepEqual(refusal({ ...minimal, distribution: { policy: 'skills' } }), ['/distribution/requiredSkills']);
    assert.deepEqual(refusal({ ...minimal, distribution: { policy: 'skills', requiredSkills: [] } }), ['/distribution/requiredSkills']);
    assert.deepEqual(refusal({ ...minimal, distribution: { policy: 'longest-idle', requiredSkills: [{ skill: 'french', minLevel: 3 }] } }), ['/distribution/requiredSkills']);
    assert.deepEqual(
      refusal({ ...minimal, distribution: { policy: 'skills', requiredSkills: [{ skill: 'french', minLevel: 3 }, { skill: 'french', minLevel: 5 }] } }),
      ['/distribution/requiredSkills/1/skill'],
    );
    assert.deepEqual(refusal({ ...minimal, distribution: { policy: 'skills', requiredSkills: [{ skill: 'french', minLevel: 0 }] } }), ['/distribution/requiredSkills/0/minLevel']);
    assert.deepEqual(refusal({ ...minimal, distribution: { policy: 'skills', requiredSkills: [{ skill: 'french' }] } }), ['/distribution/requiredSkills/0/minLevel']);
    const parsed = parseWith(ServiceCreateBody, { ...minimal, distribution: { policy: 'skills', requiredSkills: [{ skill: 'french', minLevel: 10 }] } }, 'body');
    assert.deepEqual(parsed.distribution.requiredSkills, [{ skill: 'french', minLevel: 10 }]);
  });

  it('ties the ACW extension limit to whether ACW is extendable', () => {
    assert.deepEqual(refusal({ ...minimal, afterCallWork: { extendable: true } }), ['/afterCallWork/maxExtensionSeconds']);
    assert.deepEqual(refusal({ ...minimal, afterCallWork: { extendable: false, maxExtensionSeconds: 30 } }), ['/afterCallWork/maxExtensionSeconds']);
    assert.doesNotThrow(() => parseWith(ServiceCreateBody, { ...minimal, afterCallWork: { extendable: true, maxExtensionSeconds: 30 } }, 'body'));
  });

  it('takes a workflow id or null, and validates, normalizes and de-duplicates allowed origins', () => {
    assert.deepEqual(refusal({ ...minimal, workflowId: 'bad id' }), ['/workflowId']);
    assert.deepEqual(refusal({ ...minimal, workflowId: 7 }), ['/workflowId']);
    assert.equal(parseWith(ServiceCreateBody, { ...minimal, workflowId: 'im-support' }, 'body').workflowId, 'im-support');
    assert.equal(parseWith(ServiceCreateBody, { ...minimal, workflowId: null }, 'body').workflowId, null);
    assert.deepEqual(refusal({ ...minimal, allowedOrigins: ['https://shop.contoso.example/'] }), ['/allowedOrigins/0']);
    assert.deepEqual(refusal({ ...minimal, allowedOrigins: ['https://ok.contoso.example', 'contoso.example'] }), ['/allowedOrigins/1']);
    assert.deepEqual(refusal({ ...minimal, allowedOrigins: ['https://a.contoso.example', 'HTTPS://A.contoso.example:443'] }), ['/allowedOrigins/1']);
    assert.deepEqual(refusal({ ...minimal, allowedOrigins: 'https://shop.contoso.example' }), ['/allowedOrigins']);
    const parsed = parseWith(ServiceCreateBody, { ...minimal, allowedOrigins: ['https://Shop.Contoso.example', 'https://*.contoso.example'] }, 'body');
    assert.deepEqual(parsed.allowedOrigins, ['https://shop.contoso.example', 'https://*.contoso.example']);
  });

  it('refuses a body that is not an object', () => {
    assert.deepEqual(refusal(['support']), ['/']);
    assert.deepEqual(refusal(null), ['/']);
  });
});

describe('ServiceUpdateBody', () => {
  it('is the create body without the id, which comes from the path', () => {
    assert.deepEqual(refusal({ ...minimal, id: 'support' }, ServiceUpdateBody), ['/id']);
    assert.equal(parseWith(ServiceUpdateBody, minimal, 'body').maxQueueSize, 1000);
    assert.deepEqual(refusal({ ...minimal, distribution: { policy: 'skills' } }, ServiceUpdateBody), ['/distribution/requiredSkills']);
  });
});
