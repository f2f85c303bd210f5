// A service's maximum queue size under racing creates and workflows queueing their chats, every
// store call a point where fast-check's scheduler may switch: the queue never ends up over its
// maximum, each task answered as queued is waiting, and each refused one is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createTask } from '../../../src/distribution/createTask';
import { queueTask } from '../../../src/distribution/queueTask';
import { DomainError } from '../../../src/domain/errors';
import { makeService } from '../../support/distributionFixtures';
import { createMemoryDistribution } from '../../support/memoryDistribution';

const codeOf = (err: unknown): string => (err instanceof DomainError ? err.code : String(err));

describe('maximum queue size (fast-check)', () => {
  it('racing creates and Queue Tasks never take the queue over its maximum; refused tasks are cancelled or back in their workflow', async () => {
    const seen = { refused: 0, queued: 0, full: 0, refusedAgain: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.constantFrom('create' as const, 'queue-chat' as const), { minLength: 2, maxLength: 7 }),
        fc.scheduler(),
        async (maxQueueSize, alreadyWaiting, arrivals, scheduler) => {
          const m = createMemoryDistribution();
          await m.services.create(makeService('s', { maxQueueSize }));
          for (let i = 0; i < Math.min(alreadyWaiting, maxQueueSize); i++) await createTask({ serviceId: 's', channel: 'external' }, m.deps);
          const chats = await Promise.all(arrivals.map((a) => (a === 'queue-chat' ? createTask({ serviceId: 's', channel: 'web', initialState: 'in-workflow' }, m.deps) : undefined)));
          m.world.beforeIo = (label) => scheduler.schedule(Promise.resolve(), label).then(() => undefined);

          const answers: { taskId: string | undefined; queued: boolean; key?: string }[] = [];
          const arrive = async (arrival: 'create' | 'queue-chat', n: number): Promise<void> => {
            const key = arrival === 'create' ? `create-${n}` : undefined;
            try {
              const chat = chats[n];
              const task = arrival === 'create' || !chat ? (await createTask({ serviceId: 's', channel: 'external', idempotencyKey: `create-${n}` }, m.deps)).task : await queueTask(chat.task.id, m.deps);
              answers.push({ taskId: task.id, queued: true, ...(key ? { key } : {}) });
            } catch (err) {
              if (codeOf(err) !== 'QUEUE.FULL') throw err;
              answers.push({ taskId: chats[n]?.task.id, queued: false, ...(key ? { key } : {}) });
            }
          };
          await scheduler.waitFor(Promise.all(arrivals.map((a, n) => arrive(a, n))));

          const waiting = [...m.tasks.docs.values()].filter((d) => d.value.state === 'queued');
          assert.ok(waiting.length <= maxQueueSize, `${waiting.length} tasks waiting, over the maximum of ${maxQueueSize}`);
          assert.equal(m.queue.ordered('s').length, waiting.length, 'one entry per waiting task');
          for (const a of answers) {
            if (a.queued) assert.equal(m.tasks.docs.get(a.taskId ?? '')?.value.state, 'queued', 'a task answered as queued waits');
            else if (a.taskId) assert.equal(m.tasks.docs.get(a.taskId)?.value.state, 'in-workflow', 'a refused chat is back in its workflow');
          }
          const refusedCreates = [...m.tasks.docs.values()].filter((d) => d.value.state === 'cancelled');
          for (const d of refusedCreates) assert.equal(d.value.outcome, 'refused: the queue was full');
          // Each create sent again with its key: a created one answers with its task; one refused after
          // its task was written (and cancelled) is refused again; one refused before is a new request.
          m.world.beforeIo = () => Promise.resolve();
          const cancelled = new Set(refusedCreates.map((d) => d.value.id));
          for (const a of answers.filter((x) => x.key !== undefined)) {
            try {
              const again = await createTask({ serviceId: 's', channel: 'external', idempotencyKey: a.key as string }, m.deps);
              if (a.queued) assert.deepEqual([again.task.id, again.created], [a.taskId, false], 'a created task is answered again');
              else assert.ok(again.created && !cancelled.has(again.task.id), 'a refused create sent again is never answered with its cancelled task');
            } catch (err) {
              if (codeOf(err) !== 'QUEUE.FULL') throw err;
              assert.ok(!a.queued, 'a created task is not refused when sent again');
              seen.refusedAgain++;
            }
          }
          seen.refused += answers.filter((a) => !a.queued).length;
          seen.queued += answers.filter((a) => a.queued).length;
          if (waiting.length === maxQueueSize) seen.full++;
        },
      ),
      { numRuns: 300 },
    );
    for (const [what, count] of Object.entries(seen)) assert.ok(count > 0, `no run saw ${what}`);
  });
});
