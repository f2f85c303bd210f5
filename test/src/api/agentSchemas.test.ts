// Agent bodies: only admin-owned fields, bounds, and profiles and memberships that agree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgentCreateBody, AgentUpdateBody } from '../../../src/api/agentSchemas';
import { parseWith } from '../../../src/api/parseRequest';
import type { z } from 'zod';
import { refusedPointers } from '../../support/refusedPointers';

const minimal = { displayName: 'Ada Lovelace', email: 'ada@contoso.example' };

const refusal = (body: unknown, schema: z.ZodType = AgentCreateBody): string[] => refusedPointers(schema, body);

describe('AgentCreateBody', () => {
  it('fills defaults: licensed, no skills, built-in profiles only, no memberships, capacity 3', () => {
    assert.deepEqual(parseWith(AgentCreateBody, minimal, 'body'), { ...minimal, imLicensed: true, skills: {}, profiles: [], memberships: [], imCapacity: 3, notAvailableReasons: [] });
    const member = parseWith(AgentCreateBody, { ...minimal, memberships: [{ serviceId: 'support' }] }, 'body');
    assert.deepEqual(member.memberships, [{ serviceId: 'support', profile: 'Duty', priority: 50 }]);
  });

  it('refuses every server-owned field', () => {
    const live = { presence: 'available', notAvailableRequests: [], offers: [], tasks: [], rona: null, lastOfferAt: null, idleSince: '2026-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' };
    assert.deepEqual(refusal({ ...minimal, ...live }).sort(), Object.keys(live).map((k) => `/${k}`).sort());
  });

  it('refuses values out of range, naming the field', () => {
    assert.deepEqual(refusal({ ...minimal, email: 'ada' }), ['/email']);
    assert.deepEqual(refusal({ ...minimal, imCapacity: 0 }), ['/imCapacity']);
    assert.deepEqual(refusal({ ...minimal, imCapacity: 21 }), ['/imCapacity']);
    assert.deepEqual(refusal({ ...minimal, imCapacity: 2.5 }), ['/imCapacity']);
    assert.deepEqual(refusal({ ...minimal, skills: { french: 0 } }), ['/skills/french']);
    assert.deepEqual(refusal({ ...minimal, skills: { french: 11 } }), ['/skills/french']);
    assert.deepEqual(refusal({ ...minimal, skills: { 'a/b': 3 } }), ['/skills/a~1b'], 'a JSON pointer escapes "/"');
    assert.deepEqual(refusal({ ...minimal, memberships: [{ serviceId: 'support', priority: -1 }] }), ['/memberships/0/priority']);
    assert.deepEqual(refusal({ ...minimal, memberships: [{ serviceId: 'sup port' }] }), ['/memberships/0/serviceId']);
    assert.deepEqual(refusal({ ...minimal, imLicensed: 1 }), ['/imLicensed']);
    assert.deepEqual(refusal({ email: 'ada@contoso.example' }), ['/displayName']);
  });

  it('keeps custom profiles apart from the built-in ones and from each other', () => {
    assert.deepEqual(refusal({ ...minimal, profiles: [{ name: 'Duty', onDuty: true }] }), ['/profiles/0/name']);
    assert.deepEqual(refusal({ ...minimal, profiles: [{ name: 'off duty', onDuty: false }] }), ['/profiles/0/name']);
    assert.deepEqual(refusal({ ...minimal, profiles: [{ name: 'Backup', onDuty: true }, { name: 'BACKUP', onDuty: false }] }), ['/profiles/1/name']);
    assert.deepEqual(refusal({ ...minimal, profiles: [{ name: 'Backup' }] }), ['/profiles/0/onDuty']);
  });

  it('needs each membership to name a known profile and a service once', () => {
    assert.deepEqual(refusal({ ...minimal, memberships: [{ serviceId: 'support', profile: 'Backup' }] }), ['/memberships/0/profile']);
    assert.deepEqual(refusal({ ...minimal, profiles: [{ name: 'Backup', onDuty: true }], memberships: [{ serviceId: 'support', profile: 'backup' }] }), ['/memberships/0/profile']);
    assert.deepEqual(refusal({ ...minimal, memberships: [{ serviceId: 'sales' }, { serviceId: 'support' }, { serviceId: 'sales' }] }), ['/memberships/2/serviceId']);
    const parsed = parseWith(AgentCreateBody, { ...minimal, profiles: [{ name: 'Backup', onDuty: true }], memberships: [{ serviceId: 'support', profile: 'Backup' }, { serviceId: 'sales', profile: 'Off Duty' }] }, 'body');
    assert.deepEqual(parsed.memberships.map((m) => m.profile), ['Backup', 'Off Duty']);
  });
});

describe('AgentUpdateBody', () => {
  it('is the create body without the id', () => {
    assert.deepEqual(refusal({ ...minimal, id: 'ada' }, AgentUpdateBody), ['/id']);
    assert.deepEqual(refusal({ ...minimal, memberships: [{ serviceId: 'support', profile: 'Nope' }] }, AgentUpdateBody), ['/memberships/0/profile']);
    assert.equal(parseWith(AgentUpdateBody, minimal, 'body').imCapacity, 3);
  });
});
