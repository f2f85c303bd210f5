// Service admin use cases over the in-memory stores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EtagCondition } from '../../../src/admin/etagCondition';
import { createService, deleteService, getService, listServices, replaceService, type ServiceAdminDeps, type ServiceSettings } from '../../../src/admin/serviceAdmin';
import { cancelTask } from '../../../src/distribution/cancelTask';
import { createTask } from '../../../src/distribution/createTask';
import { DomainError } from '../../../src/domain/errors';
import { deleteMarkLapsesAfterMs, type Service } from '../../../src/domain/service';
import { makeService } from '../../support/distributionFixtures';
import { createMemoryDistribution, type MemoryDistribution } from '../../support/memoryDistribution';
import { MemoryWorkflowStore } from '../../support/memoryWorkflows';

const anyVersion: EtagCondition = { matches: () => true, describe: '*' };

function settingsOf(service: Service, changes: Partial<ServiceSettings> = {}): ServiceSettings {
  const { id, createdAt, updatedAt, deletingSince, ...settings } = service;
  void id, void createdAt, void updatedAt, void deletingSince;
  return { ...settings, ...changes };
}

/** The service use cases' dependencies: distribution's, plus workflows (for workflowId checks). */
function adminDeps(m: MemoryDistribution, workflows = new MemoryWorkflowStore()): ServiceAdminDeps {
  return { ...m.deps, workflows };
}

const codeOf = (err: unknown): string => (err instanceof DomainError ? err.code : String(err));

describe('service admin use cases', () => {
  it('creates with server timestamps and refuses a taken id', async () => {
    const m = createMemoryDistribution();
    const { value } = await createService(adminDeps(m), settingsOf(makeService('x')), 'support');
    assert.equal(value.id, 'support');
    assert.equal(value.createdAt, m.clock.now().toISOString());
    assert.equal(value.updatedAt, value.createdAt);
    await assert.rejects(createService(adminDeps(m), settingsOf(makeService('x')), 'support'), (err) => codeOf(err) === 'CONFLICT.EXISTS');
  });

  it('replaces settings, keeping id and createdAt, and asks for distribution only when a match may follow', async () => {
    const m = createMemoryDistribution();
    const stored = await createService(adminDeps(m), settingsOf(makeService('x')), 'support');
    m.clock.advance(5000);
    const renamed = await replaceService(adminDeps(m), 'support', settingsOf(stored.value, { name: 'Help' }), anyVersion);
    assert.equal(renamed.value.name, 'Help');
    assert.equal(renamed.value.createdAt, stored.value.createdAt);
    assert.equal(renamed.value.updatedAt, m.clock.now().toISOString());
    assert.deepEqual(m.signal.requests, [], 'a new name creates no match');
    await replaceService(adminDeps(m), 'support', settingsOf(renamed.value, { distribution: { ...renamed.value.distribution, policy: 'round-robin' } }), anyVersion);
    assert.deepEqual(m.signal.requests, [{ serviceId: 'support', reason: 'service settings changed' }]);
  });

  it('refuses a stale condition, writing nothing', async () => {
    const m = createMemoryDistribution();
    const stored = await createService(adminDeps(m), settingsOf(makeService('x')), 'support');
    const stale: EtagCondition = { matches: () => false, describe: '"old"' };
    await assert.rejects(replaceService(adminDeps(m), 'support', settingsOf(stored.value, { name: 'Lost' }), stale), (err) => codeOf(err) === 'CONFLICT.STALE_ETAG');
    await assert.rejects(deleteService(adminDeps(m), 'support', stale), (err) => codeOf(err) === 'CONFLICT.STALE_ETAG');
    assert.equal(m.services.docs.get('support')?.value.name, stored.value.name);
  });

  it('refuses to delete while tasks wait, then deletes', async () => {
    const m = createMemoryDistribution();
    await createService(adminDeps(m), settingsOf(makeService('x')), 'support');
    const { task } = await createTask({ serviceId: 'support', channel: 'external', idempotencyKey: 'k' }, m.deps);
    await assert.rejects(deleteService(adminDeps(m), 'support'), (err) => codeOf(err) === 'SERVICE.HAS_TASKS' && err instanceof DomainError && err.message.includes(task.id));
    assert.ok(m.services.docs.has('support'));
    await cancelTask(task.id, 'test', m.deps);
    await deleteService(adminDeps(m), 'support');
    assert.ok(!m.services.docs.has('support'));
    await assert.rejects(deleteService(adminDeps(m), 'support'), (err) => codeOf(err) === 'SERVICE.NOT_FOUND');
  });

  it('a delete under way (its mark) refuses new tasks, settings and a second delete; a mark left by a delete that died lapses after a minute', async () => {
    const m = createMemoryDistribution();
    const stored = await createService(adminDeps(m), settingsOf(makeService('x')), 'support');
    // The mark as a delete sets it between its two checks.
    await m.services.replace({ ...stored.value, deletingSince: m.clock.now().toISOString() }, stored.etag);
    const beingDeleted = (err: unknown) => codeOf(err) === 'SERVICE.BEING_DELETED';
    await assert.rejects(createTask({ serviceId: 'support', channel: 'external' }, m.deps), beingDeleted);
    await assert.rejects(replaceService(adminDeps(m), 'support', settingsOf(stored.value, { name: 'Help' }), anyVersion), beingDeleted);
    await assert.rejects(deleteService(adminDeps(m), 'support'), beingDeleted);
    assert.equal([...m.tasks.docs.values()].length, 0, 'no task written');
    assert.ok((await getService(adminDeps(m), 'support')).value.deletingSince, 'admins see the delete under way');

    m.clock.advance(deleteMarkLapsesAfterMs); // the delete died: its mark lapses
    assert.equal((await getService(adminDeps(m), 'support')).value.deletingSince, undefined);
    assert.equal((await listServices(adminDeps(m), 10)).items[0]?.value.deletingSince, undefined);
    const { task } = await createTask({ serviceId: 'support', channel: 'external' }, m.deps);
    await cancelTask(task.id, 'test', m.deps);
    const renamed = await replaceService(adminDeps(m), 'support', settingsOf(stored.value, { name: 'Help' }), anyVersion);
    assert.equal(renamed.value.deletingSince, undefined, 'a settings change drops the lapsed mark');
    await deleteService(adminDeps(m), 'support');
    assert.ok(!m.services.docs.has('support'));
  });

  it('gives a service only a workflow that exists, on create and on replace', async () => {
    const m = createMemoryDistribution();
    const workflows = new MemoryWorkflowStore();
    const deps = adminDeps(m, workflows);
    const refusal = (err: unknown) => codeOf(err) === 'SERVICE.UNKNOWN_WORKFLOW' && err instanceof DomainError && err.details['pointer'] === '/workflowId';
    await assert.rejects(createService(deps, settingsOf(makeService('x'), { workflowId: 'im-support' }), 'support'), refusal);
    assert.ok(!m.services.docs.has('support'), 'nothing written');
    const stored = await createService(deps, settingsOf(makeService('x')), 'support');
    await assert.rejects(replaceService(deps, 'support', settingsOf(stored.value, { workflowId: 'im-support' }), anyVersion), refusal);
    assert.equal(m.services.docs.get('support')?.value.workflowId, null);
    await workflows.publish({ id: 'im-support@1', workflowId: 'im-support', version: 1, name: 'IM', modality: 'IM', start: 'a', nodes: [{ id: 'a', settings: { type: 'Disconnect' }, exits: {} }], createdAt: m.clock.now().toISOString() }, null);
    const attached = await replaceService(deps, 'support', settingsOf(stored.value, { workflowId: 'im-support' }), anyVersion);
    assert.equal(attached.value.workflowId, 'im-support');
  });
});
