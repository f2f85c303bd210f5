// A service's delete racing the writes that would refer to it (new tasks, chats, memberships), every
// store call a point where fast-check's scheduler may switch: whatever the order, a deleted service
// leaves nothing behind that refers to it, and each write either stands in a service that stands or
// is refused and undone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createAgent, replaceAgent, settingsEtag, settingsOf } from '../../../src/admin/agentAdmin';
import { createService, deleteService, type ServiceAdminDeps } from '../../../src/admin/serviceAdmin';
import { createTask } from '../../../src/distribution/createTask';
import { DomainError } from '../../../src/domain/errors';
import { terminalStates, type Task } from '../../../src/domain/task';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';
import { createMemoryDistribution } from '../../support/memoryDistribution';
import { MemoryWorkflowStore } from '../../support/memoryWorkflows';

const refusals = new Set(['SERVICE.BEING_DELETED', 'SERVICE.NOT_FOUND', 'AGENT.UNKNOWN_SERVICE']);
const deleteRefusals = new Set(['SERVICE.HAS_TASKS', 'SERVICE.IN_USE', 'SERVICE.BEING_DELETED']);
const isOver = (task: Pick<Task, 'state'>): boolean => terminalStates.includes(task.state);
const codeOf = (err: unknown): string => (err instanceof DomainError ? err.code : String(err));

type Writer = { kind: 'task'; initialState: 'queued' | 'in-workflow' } | { kind: 'join' } | { kind: 'new-agent' };

// Tasks posted and chats started, and at most one membership change per agent (two admins editing
// one agent is a plain ETag race, not this one).
const writersArb: fc.Arbitrary<Writer[]> = fc
  .record({
    tasks: fc.array(fc.constantFrom('queued' as const, 'in-workflow' as const), { maxLength: 2 }),
    join: fc.boolean(),
    newAgent: fc.boolean(),
  })
  .filter((w) => w.tasks.length > 0 || w.join || w.newAgent)
  .map((w) => [...w.tasks.map((initialState): Writer => ({ kind: 'task', initialState })), ...(w.join ? [{ kind: 'join' as const }] : []), ...(w.newAgent ? [{ kind: 'new-agent' as const }] : [])]);

describe('service delete races (fast-check)', () => {
  it('a deleted service leaves no task or member behind; a write that raced the delete is refused and undone, or the delete is refused', async () => {
    const seen = { deleted: 0, deleteRefused: 0, writesRefused: 0, writesStood: 0 };
    await fc.assert(
      fc.asyncProperty(writersArb, fc.scheduler(), async (writers, scheduler) => {
        const m = createMemoryDistribution();
        const admin: ServiceAdminDeps = { ...m.deps, workflows: new MemoryWorkflowStore() };
        const { id, createdAt, updatedAt, ...settings } = makeService('support');
        void id, void createdAt, void updatedAt;
        await createService(admin, settings, 'support');
        const ada = await createAgent(m.deps, settingsOf(makeAgent('ada', [])), 'ada');
        m.world.beforeIo = (label) => scheduler.schedule(Promise.resolve(), label).then(() => undefined);

        const outcomes: { writer: Writer; stood: boolean; taskId?: string; agentId?: string; key?: string }[] = [];
        const write = async (writer: Writer, n: number): Promise<void> => {
          try {
            if (writer.kind === 'task') {
              const { task } = await createTask({ serviceId: 'support', channel: 'external', idempotencyKey: `k${n}`, initialState: writer.initialState }, m.deps);
              outcomes.push({ writer, stood: true, taskId: task.id, key: `k${n}` });
            } else if (writer.kind === 'join') {
              const settings = { ...settingsOf(ada.value), memberships: [duty('support')] };
              await replaceAgent(m.deps, 'ada', settings, { matches: (etag) => etag === settingsEtag(ada.value), describe: ada.etag });
              outcomes.push({ writer, stood: true, agentId: 'ada' });
            } else {
              await createAgent(m.deps, settingsOf(makeAgent(`new${n}`, [duty('support')])), `new${n}`);
              outcomes.push({ writer, stood: true, agentId: `new${n}` });
            }
          } catch (err) {
            if (!refusals.has(codeOf(err))) throw err;
            outcomes.push({ writer, stood: false, ...(writer.kind === 'task' ? { key: `k${n}` } : { agentId: writer.kind === 'join' ? 'ada' : `new${n}` }) });
          }
        };
        let deleted = false;
        const remove = deleteService(admin, 'support').then(
          () => void (deleted = true),
          (err: unknown) => {
            if (!deleteRefusals.has(codeOf(err))) throw err;
          },
        );
        await scheduler.waitFor(Promise.all([remove, ...writers.map((w, n) => write(w, n))]));

        const service = m.services.docs.get('support');
        assert.equal(deleted, service === undefined, 'the delete answered as it did');
        if (service) assert.equal(service.value.deletingSince, undefined, 'a refused delete takes its mark off');
        const tasksIn = [...m.tasks.docs.values()].filter((d) => d.value.serviceId === 'support');
        const members = [...m.agents.docs.values()].filter((d) => d.value.memberships.some((ms) => ms.serviceId === 'support'));
        if (deleted) {
          assert.deepEqual(tasksIn.filter((d) => !isOver(d.value)).map((d) => `${d.value.id} ${d.value.state}`), [], 'no task left open in a deleted service');
          assert.deepEqual(members.map((d) => d.value.id), [], 'no agent left a member of a deleted service');
          assert.deepEqual([...m.queue.entries.keys()].filter((k) => k.startsWith('support/')), [], 'no queue entry left');
        }
        for (const o of outcomes) {
          if (o.stood) {
            assert.ok(!deleted, `${o.writer.kind} was answered as written, yet its service was deleted`);
            if (o.taskId) assert.ok(!isOver(m.tasks.docs.get(o.taskId)?.value ?? { state: 'closed' }), 'a task answered as created is open');
          } else if (o.agentId) {
            const agent = m.agents.docs.get(o.agentId)?.value;
            assert.ok(!agent?.memberships.some((ms) => ms.serviceId === 'support'), `a refused membership of ${o.agentId} is undone`);
          }
        }
        // A refused task is cancelled, not left waiting.
        for (const d of tasksIn) if (!outcomes.some((o) => o.stood && o.taskId === d.value.id)) assert.ok(isOver(d.value), `refused task ${d.value.id} is over (${d.value.state})`);
        // A refused create sent again with its key is refused again, or (refused before its task was
        // written, and the service still there) created afresh; never answered with a cancelled task.
        m.world.beforeIo = () => Promise.resolve();
        for (const o of outcomes.filter((x) => x.key !== undefined && !x.stood && x.writer.kind === 'task')) {
          try {
            const again = await createTask({ serviceId: 'support', channel: 'external', idempotencyKey: o.key as string, initialState: o.writer.kind === 'task' ? o.writer.initialState : undefined }, m.deps);
            assert.ok(again.created && !isOver(again.task), `a refused create sent again is answered with ${again.task.state} task ${again.task.id}`);
          } catch (err) {
            if (!refusals.has(codeOf(err))) throw err;
          }
        }
        seen[deleted ? 'deleted' : 'deleteRefused']++;
        seen.writesRefused += outcomes.filter((o) => !o.stood).length;
        seen.writesStood += outcomes.filter((o) => o.stood).length;
      }),
      { numRuns: 300 },
    );
    // The interleavings reach both ends: deletes that won and were refused, writes that stood and were refused.
    for (const [what, count] of Object.entries(seen)) assert.ok(count > 0, `no run saw ${what}`);
  });
});
