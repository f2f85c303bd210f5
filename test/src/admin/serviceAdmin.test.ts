// Service admin use cases over the in-memory stores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EtagCondition } from '../../../src/admin/etagCondition';
import { createService, deleteService, replaceService, type ServiceSettings } from '../../../src/admin/serviceAdmin';
import { DomainError } from '../../../src/domain/errors';
import type { Service } from '../../../src/domain/service';
import { makeService } from '../../support/distributionFixtures';
import { createMemoryDistribution } from '../../support/memoryDistribution';

const anyVersion: EtagCondition = { matches: () => true, describe: '*' };

function settingsOf(service: Service, changes: Partial<ServiceSettings> = {}): ServiceSettings {
  const { id, createdAt, updatedAt, ...settings } = service;
  void id, void createdAt, void updatedAt;
  return { ...settings, ...changes };
}

const codeOf = (err: unknown): string => (err instanceof DomainError ? err.code : String(err));

describe('service admin use cases', () => {
  it('creates with server timestamps and refuses a taken id', async () => {
    const m = createMemoryDistribution();
    const { value } = await createService(m.deps, settingsOf(makeService('x')), 'support');
    assert.equal(value.id, 'support');
    assert.equal(value.createdAt, m.clock.now().toISOString());
    assert.equal(value.updatedAt, value.createdAt);
    await assert.rejects(createService(m.deps, settingsOf(makeService('x')), 'support'), (err) => codeOf(err) === 'CONFLICT.EXISTS');
  });

  it('replaces settings, keeping id and createdAt, and asks for distribution only when a match may follow', async () => {
    const m = createMemoryDistribution();
    const stored = await createService(m.deps, settingsOf(makeService('x')), 'support');
    m.clock.advance(5000);
    const renamed = await replaceService(m.deps, 'support', settingsOf(stored.value, { name: 'Help' }), anyVersion);
    assert.equal(renamed.value.name, 'Help');
    assert.equal(renamed.value.createdAt, stored.value.createdAt);
    assert.equal(renamed.value.updatedAt, m.clock.now().toISOString());
    assert.deepEqual(m.signal.requests, [], 'a new name creates no match');
    await replaceService(m.deps, 'support', settingsOf(renamed.value, { distribution: { ...renamed.value.distribution, policy: 'round-robin' } }), anyVersion);
    assert.deepEqual(m.signal.requests, [{ serviceId: 'support', reason: 'service settings changed' }]);
  });

  it('refuses a stale condition, writing nothing', async () => {
    const m = createMemoryDistribution();
    const stored = await createService(m.deps, settingsOf(makeService('x')), 'support');
    const stale: EtagCondition = { matches: () => false, describe: '"old"' };
    await assert.rejects(replaceService(m.deps, 'support', settingsOf(stored.value, { name: 'Lost' }), stale), (err) => codeOf(err) === 'CONFLICT.STALE_ETAG');
    await assert.rejects(deleteService(m.deps, 'support', stale), (err) => codeOf(err) === 'CONFLICT.STALE_ETAG');
    assert.equal(m.services.docs.get('support')?.value.name, stored.value.name);
  });

  it('refuses to delete while tasks wait, then deletes', async () => {
    const m = createMemoryDistribution();
    await createService(m.deps, settingsOf(makeService('x')), 'support');
    await m.queue.put({ id: 't1', serviceId: 'support', taskId: 't1', priority: 1, enqueueOrder: '0001', enqueuedAt: m.clock.now().toISOString() });
    await assert.rejects(deleteService(m.deps, 'support'), (err) => codeOf(err) === 'SERVICE.HAS_TASKS');
    assert.ok(m.services.docs.has('support'));
    await m.queue.remove('support', 't1');
    await deleteService(m.deps, 'support');
    assert.ok(!m.services.docs.has('support'));
    await assert.rejects(deleteService(m.deps, 'support'), (err) => codeOf(err) === 'SERVICE.NOT_FOUND');
  });
});
