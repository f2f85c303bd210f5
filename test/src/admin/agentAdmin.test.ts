// Agent admin use cases over the in-memory stores: live state kept, distribution asked for, races lost safely.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAgent, deleteAgent, replaceAgent, servicesToRedistribute, settingsEtag, type AgentSettings } from '../../../src/admin/agentAdmin';
import type { EtagCondition } from '../../../src/admin/etagCondition';
import type { Agent } from '../../../src/domain/agent';
import { DomainError } from '../../../src/domain/errors';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';
import { createMemoryDistribution } from '../../support/memoryDistribution';

const exactly = (etag: string): EtagCondition => ({ matches: (e) => e === etag, describe: etag });

function settingsOf(agent: Agent, changes: Partial<AgentSettings> = {}): AgentSettings {
  const { displayName, email, imLicensed, skills, profiles, memberships, imCapacity, notAvailableReasons } = agent;
  return { displayName, email, imLicensed, skills, profiles, memberships, imCapacity, notAvailableReasons, ...changes };
}

function codeOf(err: unknown): string {
  return err instanceof DomainError ? err.code : String(err);
}

const offer = { offerId: 'o1', taskId: 't1', serviceId: 'support', offeredAt: '2026-11-21T09:00:00.000Z' };

describe('servicesToRedistribute', () => {
  const base = makeAgent('a', [duty('support')]);

  it('names services where an available agent newly works on duty', () => {
    const after = { ...base, memberships: [duty('support'), duty('sales')] };
    assert.deepEqual(servicesToRedistribute(base, after), [{ serviceId: 'sales', reason: 'membership changed' }]);
    const offDutyBefore = { ...base, memberships: [{ serviceId: 'support', profile: 'Off Duty', priority: 1 }] };
    assert.deepEqual(servicesToRedistribute(offDutyBefore, base), [{ serviceId: 'support', reason: 'membership changed' }]);
    const unlicensedBefore = { ...base, imLicensed: false };
    assert.deepEqual(servicesToRedistribute(unlicensedBefore, base), [{ serviceId: 'support', reason: 'membership changed' }]);
  });

  it('names every on-duty service when the agent can take more or has new skills', () => {
    assert.deepEqual(servicesToRedistribute(base, { ...base, imCapacity: 2 }), [{ serviceId: 'support', reason: 'agent settings changed' }]);
    assert.deepEqual(servicesToRedistribute(base, { ...base, skills: { billing: 5 } }), [{ serviceId: 'support', reason: 'agent settings changed' }]);
  });

  it('names nothing when no match can come of the change', () => {
    assert.deepEqual(servicesToRedistribute(base, { ...base, displayName: 'New name' }), []);
    assert.deepEqual(servicesToRedistribute(base, { ...base, imCapacity: 0 }), []);
    assert.deepEqual(servicesToRedistribute(base, { ...base, memberships: [{ serviceId: 'support', profile: 'Off Duty', priority: 1 }] }), []);
    const offline = { ...base, presence: 'offline' as const };
    assert.deepEqual(servicesToRedistribute({ ...offline, memberships: [] }, offline), [], 'an agent who is not available cannot be matched');
    const custom = { ...base, profiles: [{ name: 'Shadow', onDuty: false }], memberships: [{ serviceId: 'sales', profile: 'Shadow', priority: 1 }] };
    assert.deepEqual(servicesToRedistribute(base, custom), [], 'a custom off-duty profile is not on duty');
  });
});

describe('agent admin use cases', () => {
  it('creates an agent signed out, idle since creation, with no live state', async () => {
    const m = createMemoryDistribution();
    await m.services.create(makeService('support'));
    const { value } = await createAgent(m.deps, settingsOf(makeAgent('x', [duty('support')])), 'ada');
    assert.equal(value.presence, 'offline');
    assert.deepEqual([value.offers, value.tasks, value.rona, value.notAvailableRequests, value.lastOfferAt], [[], [], null, [], null]);
    assert.equal(value.idleSince, m.clock.now().toISOString());
    assert.deepEqual(m.signal.requests, []);
  });

  it('refuses a membership of an unknown service, naming it, and writes nothing', async () => {
    const m = createMemoryDistribution();
    await m.services.create(makeService('support'));
    await assert.rejects(createAgent(m.deps, settingsOf(makeAgent('x', [duty('support'), duty('ghost')])), 'ada'), (err: unknown) => {
      assert.equal(codeOf(err), 'AGENT.UNKNOWN_SERVICE');
      assert.equal((err as DomainError).details['pointer'], '/memberships/1/serviceId');
      return true;
    });
    assert.equal(m.agents.docs.size, 0);
  });

  it('keeps an existing membership of a service deleted since, so unrelated edits still work', async () => {
    const m = createMemoryDistribution();
    const stored = await m.agents.create(makeAgent('ada', [duty('gone')]));
    const { value } = await replaceAgent(m.deps, 'ada', settingsOf(stored.value, { displayName: 'Ada K' }), exactly(settingsEtag(stored.value)));
    assert.equal(value.displayName, 'Ada K');
  });

  it('replaces settings but keeps the live state, and asks for distribution where the agent newly works', async () => {
    const m = createMemoryDistribution();
    for (const id of ['support', 'sales']) await m.services.create(makeService(id));
    const live = { presence: 'available' as const, offers: [offer], lastOfferAt: offer.offeredAt, rona: null, idleSince: '2026-11-21T08:30:00.000Z' };
    const stored = await m.agents.create(makeAgent('ada', [duty('support')], { ...live, imCapacity: 2 }));
    m.clock.advance(1000);
    const { value } = await replaceAgent(m.deps, 'ada', settingsOf(stored.value, { memberships: [duty('support'), duty('sales')], displayName: 'Ada K' }), exactly(settingsEtag(stored.value)));
    assert.equal(value.displayName, 'Ada K');
    assert.deepEqual({ presence: value.presence, offers: value.offers, lastOfferAt: value.lastOfferAt, rona: value.rona, idleSince: value.idleSince }, live);
    assert.equal(value.createdAt, stored.value.createdAt);
    assert.equal(value.updatedAt, m.clock.now().toISOString());
    assert.deepEqual(m.signal.requests, [{ serviceId: 'sales', reason: 'membership changed' }]);
  });

  it('versions the settings only: a live-state change since the admin read does not make the edit stale, and is kept', async () => {
    const m = createMemoryDistribution();
    await m.services.create(makeService('support'));
    const stored = await m.agents.create(makeAgent('ada', [duty('support')]));
    const read = settingsEtag(stored.value);
    await m.agents.replace({ ...stored.value, presence: 'available', offers: [offer] }, stored.etag);
    // And another offer lands between the edit's read and its write: the write is merged again.
    m.world.beforeIo = async (label) => {
      if (label !== 'agents.replace') return;
      m.world.beforeIo = () => Promise.resolve();
      const current = m.agents.docs.get('ada')!;
      await m.agents.replace({ ...current.value, offers: [offer, { ...offer, offerId: 'o2', taskId: 't2' }] }, current.etag);
    };
    const edited = await replaceAgent(m.deps, 'ada', settingsOf(stored.value, { displayName: 'Ada K' }), exactly(read));
    assert.equal(edited.value.displayName, 'Ada K');
    assert.deepEqual(edited.value.offers.map((o) => o.offerId), ['o1', 'o2'], 'both offers kept');
    assert.equal(edited.value.presence, 'available');
    assert.equal(edited.etag, settingsEtag(edited.value));
    assert.notEqual(edited.etag, read, 'new settings, new ETag');
  });

  it('refuses a stale condition, and settings another admin changed between read and write, writing nothing', async () => {
    const m = createMemoryDistribution();
    await m.services.create(makeService('support'));
    const stored = await m.agents.create(makeAgent('ada', [duty('support')]));
    await assert.rejects(replaceAgent(m.deps, 'ada', settingsOf(stored.value, { displayName: 'X' }), exactly('"other"')), (err) => codeOf(err) === 'CONFLICT.STALE_ETAG');

    // Another admin's edit lands after this one read the agent but before it writes.
    m.world.beforeIo = async (label) => {
      if (label !== 'agents.replace') return;
      m.world.beforeIo = () => Promise.resolve();
      const current = m.agents.docs.get('ada')!;
      await m.agents.replace({ ...current.value, imCapacity: 5 }, current.etag);
    };
    await assert.rejects(replaceAgent(m.deps, 'ada', settingsOf(stored.value, { displayName: 'X' }), exactly(settingsEtag(stored.value))), (err) => codeOf(err) === 'CONFLICT.STALE_ETAG');
    assert.equal(m.agents.docs.get('ada')?.value.displayName, stored.value.displayName);
    assert.equal(m.agents.docs.get('ada')?.value.imCapacity, 5, 'the other edit stands');
    assert.deepEqual(m.signal.requests, []);
  });

  it('refuses to delete an agent who holds offers or tasks, even one offered between check and delete', async () => {
    const m = createMemoryDistribution();
    await m.agents.create(makeAgent('busy', [duty('support')], { tasks: [{ taskId: 't0', serviceId: 'support', since: offer.offeredAt, phase: 'wrap-up' }] }));
    await assert.rejects(deleteAgent(m.deps, 'busy'), (err) => codeOf(err) === 'AGENT.HAS_TASKS');
    assert.ok(m.agents.docs.has('busy'));

    await m.agents.create(makeAgent('idle', [duty('support')]));
    m.world.beforeIo = async (label) => {
      if (label !== 'agents.delete') return;
      m.world.beforeIo = () => Promise.resolve();
      const current = m.agents.docs.get('idle');
      assert.ok(current);
      await m.agents.replace({ ...current.value, offers: [offer] }, current.etag);
    };
    await assert.rejects(deleteAgent(m.deps, 'idle'), (err) => codeOf(err) === 'AGENT.HAS_TASKS');
    assert.ok(m.agents.docs.has('idle'), 'the agent holding the new offer is still there');
  });

  it('deletes an idle agent, retrying a live-state change in between, with If-Match or without', async () => {
    const m = createMemoryDistribution();
    const stored = await m.agents.create(makeAgent('idle', []));
    const touch = async (label: string): Promise<void> => {
      if (label !== 'agents.delete') return;
      m.world.beforeIo = () => Promise.resolve();
      const current = m.agents.docs.get('idle');
      assert.ok(current);
      await m.agents.replace({ ...current.value, presence: 'away' }, current.etag);
    };
    m.world.beforeIo = touch;
    await deleteAgent(m.deps, 'idle', exactly(settingsEtag(stored.value)));
    assert.ok(!m.agents.docs.has('idle'));
    await m.agents.create(makeAgent('idle', []));
    m.world.beforeIo = touch;
    await deleteAgent(m.deps, 'idle');
    assert.ok(!m.agents.docs.has('idle'));
    await assert.rejects(deleteAgent(m.deps, 'idle'), (err) => codeOf(err) === 'AGENT.NOT_FOUND');
  });
});
