// An accept and a finish write the task without reading it, each as one write conditional on what
// the domain requires of the task then (acceptable, finishable); a task that is not so is read and
// decided (or refused) as it is now.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../src/domain/errors';
import { settleOffer, transition } from '../../../src/domain/task';
import { finishTask } from '../../../src/distribution/afterCallWork';
import { changePriority } from '../../../src/distribution/changePriority';
import { distribute } from '../../../src/distribution/distribute';
import { acceptOffer } from '../../../src/distribution/offerDecisions';
import { setCodesAndTags } from '../../../src/distribution/taskCoding';
import { markHandled } from '../../../src/workflow/taskSteps';
import { CrashError } from '../../support/memoryDistribution';
import { annWithOneTask, makeService } from '../../support/distributionFixtures';

type World = Awaited<ReturnType<typeof annWithOneTask>>['w'];

function countingIo(w: World): Map<string, number> {
  const calls = new Map<string, number>();
  w.world.beforeIo = async (label) => void calls.set(label, (calls.get(label) ?? 0) + 1);
  return calls;
}

/** Ann's world with the task offered to her; her slot says when the offer rings out. */
async function offeredToAnn(service = makeService('s')) {
  const { w, task } = await annWithOneTask({ service });
  assert.equal((await distribute('s', w.deps)).offers, 1);
  const slot = (await w.agents.read('ann'))!.value.offers[0]!;
  assert.equal(slot.expiresAt, (await w.tasks.read(task.id))!.value.offers[0]!.expiresAt);
  return { w, taskId: task.id, offerId: slot.offerId };
}

const rejectsWith = (code: string) => (err: unknown) => err instanceof DomainError && err.code === code;

describe('accepting an offer without reading the task', () => {
  it('connects the chat in three store calls: the agent read, the task written on the condition it is acceptable, the agent written', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    const calls = countingIo(w);
    const task = await acceptOffer('ann', offerId, w.deps);
    assert.deepEqual(Object.fromEntries(calls), { 'agents.read': 1, 'tasks.acceptOpenOffer': 1, 'agents.replace': 1 });
    assert.equal(task.state, 'connected');
    assert.equal(task.assignedAgentId, 'ann');
    assert.equal(task.offers[0]?.outcome, 'accepted');
    assert.equal(task.offers[0]?.decidedAt, task.timings.connectedAt);
    assert.deepEqual((await w.tasks.read(taskId))!.value, task);
    const ann = (await w.agents.read('ann'))!.value;
    assert.deepEqual(ann.offers, []);
    assert.deepEqual(ann.tasks, [{ taskId, serviceId: 's', since: task.timings.connectedAt, phase: 'connected', offerId, acwSeconds: makeService('s').afterCallWork.durationSeconds }]);
  });

  it('still needs no read when something else about the task changed since the offer (its priority)', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    const raised = await changePriority(taskId, 7, w.deps);
    assert.equal(raised.state, 'offered');
    const calls = countingIo(w);
    const task = await acceptOffer('ann', offerId, w.deps);
    assert.equal(calls.get('tasks.read') ?? 0, 0);
    assert.equal(task.state, 'connected');
    assert.equal(task.priority, 7, 'the change is kept');
  });

  it('reads a task whose offer is no longer open, refuses with why, and writes nothing', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    // Settled behind Ann's back: her slot is still there (its timer frees it).
    const stored = (await w.tasks.read(taskId))!;
    await w.tasks.replace(transition(stored.value, 'queued', { offers: settleOffer(stored.value, offerId, 'withdrawn', w.clock.now().toISOString()) }), stored.etag);
    const before = w.tasks.docs.get(taskId)!.etag;
    const calls = countingIo(w);
    await assert.rejects(acceptOffer('ann', offerId, w.deps), rejectsWith('OFFER.NOT_OPEN'));
    assert.deepEqual(Object.fromEntries(calls), { 'agents.read': 1, 'tasks.acceptOpenOffer': 1, 'tasks.read': 1 });
    assert.equal(w.tasks.docs.get(taskId)!.etag, before);
  });

  it('refuses an accept after the ring-out time without trying to write', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    const before = w.tasks.docs.get(taskId)!.etag;
    w.clock.advance(60 * 60 * 1000);
    const calls = countingIo(w);
    await assert.rejects(acceptOffer('ann', offerId, w.deps), rejectsWith('OFFER.NOT_OPEN'));
    assert.equal(calls.get('tasks.acceptOpenOffer') ?? 0, 0, 'the slot says it rang out');
    assert.equal(w.tasks.docs.get(taskId)!.etag, before);
  });
});

const noAcw = makeService('s', { afterCallWork: { durationSeconds: 0, extendable: false, maxExtensionSeconds: 0, canEndEarly: true } });

describe('finishing a chat without reading the task', () => {
  it('closes a chat without ACW with the agent read, the task written on the condition it is finishable and the agent written (then the session recorded)', async () => {
    const { w, taskId, offerId } = await offeredToAnn(noAcw);
    await acceptOffer('ann', offerId, w.deps);
    w.clock.advance(5000);
    const calls = countingIo(w);
    const task = await finishTask('ann', taskId, w.deps);
    assert.deepEqual(Object.fromEntries(calls), { 'agents.read': 1, 'tasks.finishConnected': 1, 'agents.replace': 1 });
    assert.equal(task.state, 'closed');
    assert.equal(task.outcome, 'handled');
    assert.equal(task.timings.endedAt, w.clock.now().toISOString());
    assert.deepEqual((await w.tasks.read(taskId))!.value, task);
    const ann = (await w.agents.read('ann'))!.value;
    assert.deepEqual(ann.tasks, []);
    assert.equal(ann.idleSince, task.timings.endedAt);
    assert.equal(w.sessions.records.get(taskId)?.handleSeconds, 5);
  });

  it('puts a chat into ACW without reading the task, also after it was coded', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    await acceptOffer('ann', offerId, w.deps);
    await setCodesAndTags('ann', taskId, { codes: ['refund'], tags: ['vip'] }, w.deps);
    const calls = countingIo(w);
    const task = await finishTask('ann', taskId, w.deps);
    assert.equal(calls.get('tasks.read') ?? 0, 0);
    assert.equal(task.state, 'wrap-up');
    assert.deepEqual([task.codes, task.tags], [['refund'], ['vip']]);
    assert.equal(Date.parse(task.acw!.endsAt) - w.clock.now().getTime(), makeService('s').afterCallWork.durationSeconds * 1000);
    assert.deepEqual((await w.agents.read('ann'))!.value.tasks.map((t) => [t.taskId, t.phase]), [[taskId, 'wrap-up']]);
  });

  it('closes as handled, still without a read, a chat its workflow marked handled before it was queued', async () => {
    const { w, taskId, offerId } = await offeredToAnn(noAcw);
    await markHandled(taskId, w.deps);
    await acceptOffer('ann', offerId, w.deps);
    const calls = countingIo(w);
    const task = await finishTask('ann', taskId, w.deps);
    assert.equal(calls.get('tasks.read') ?? 0, 0);
    assert.equal(task.state, 'closed');
    assert.equal(task.outcome, 'handled');
  });

  it('reads a chat closed by a finish that died before freeing the agent, and frees them', async () => {
    const { w, taskId, offerId } = await offeredToAnn(noAcw);
    await acceptOffer('ann', offerId, w.deps);
    w.world.writes = 0;
    w.world.crashAfterWrite = 1; // the task is closed, then the call dies
    await assert.rejects(finishTask('ann', taskId, w.deps), CrashError);
    await w.world.restart();
    const calls = countingIo(w);
    const task = await finishTask('ann', taskId, w.deps);
    assert.equal(calls.get('tasks.finishConnected'), 1, 'tried first, refused on its condition');
    assert.equal(calls.get('tasks.read'), 1);
    assert.equal(task.state, 'closed');
    assert.deepEqual((await w.agents.read('ann'))!.value.tasks, []);
    assert.equal(w.sessions.records.get(taskId)?.outcome, 'handled');
  });

  it('reads the task for a chat whose entry does not say its offer and ACW (accepted before they were kept)', async () => {
    const { w, taskId, offerId } = await offeredToAnn(noAcw);
    await acceptOffer('ann', offerId, w.deps);
    const ann = (await w.agents.read('ann'))!;
    await w.agents.replace({ ...ann.value, tasks: ann.value.tasks.map(({ taskId: id, serviceId, since, phase }) => ({ taskId: id, serviceId, since, phase })) }, ann.etag);
    const calls = countingIo(w);
    const task = await finishTask('ann', taskId, w.deps);
    assert.equal(calls.get('tasks.finishConnected') ?? 0, 0);
    assert.equal(calls.get('tasks.read'), 1);
    assert.equal(task.state, 'closed');
    assert.deepEqual((await w.agents.read('ann'))!.value.tasks, []);
  });
});
