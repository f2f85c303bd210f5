// An accept writes the task without reading it, conditional on the ETag the agent's slot kept from
// the task's claim, and a finish conditional on the ETag the accept left; a task changed since is
// read and decided as it is now.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../src/domain/errors';
import { changePriority } from '../../../src/distribution/changePriority';
import { distribute } from '../../../src/distribution/distribute';
import { finishTask } from '../../../src/distribution/afterCallWork';
import { acceptOffer } from '../../../src/distribution/offerDecisions';
import { setCodesAndTags } from '../../../src/distribution/taskCoding';
import { annWithOneTask, makeService } from '../../support/distributionFixtures';

function countingIo(w: Awaited<ReturnType<typeof annWithOneTask>>['w']): Map<string, number> {
  const calls = new Map<string, number>();
  w.world.beforeIo = async (label) => void calls.set(label, (calls.get(label) ?? 0) + 1);
  return calls;
}

/** Ann's world with the task offered to her: her slot keeps the task's ETag as claimed. */
async function offeredToAnn(service = makeService('s')) {
  const { w, task } = await annWithOneTask({ service });
  assert.equal((await distribute('s', w.deps)).offers, 1);
  const slot = (await w.agents.read('ann'))!.value.offers[0]!;
  assert.equal(slot.taskEtag, w.tasks.docs.get(task.id)!.etag, "the slot keeps the claimed task's ETag");
  assert.equal(slot.expiresAt, (await w.tasks.read(task.id))!.value.offers[0]!.expiresAt);
  return { w, taskId: task.id, offerId: slot.offerId };
}

describe('accepting an offer as the task was claimed', () => {
  it('connects the chat in three store calls: the agent read, the task written without a read, the agent written', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    const calls = countingIo(w);
    const task = await acceptOffer('ann', offerId, w.deps);
    assert.deepEqual(Object.fromEntries(calls), { 'agents.read': 1, 'tasks.acceptClaimed': 1, 'agents.replace': 1 });
    assert.equal(task.state, 'connected');
    assert.equal(task.assignedAgentId, 'ann');
    assert.equal(task.offers[0]?.outcome, 'accepted');
    assert.equal(task.offers[0]?.decidedAt, task.timings.connectedAt);
    assert.deepEqual((await w.tasks.read(taskId))!.value, task);
    const ann = (await w.agents.read('ann'))!.value;
    assert.deepEqual(ann.offers, []);
    assert.deepEqual(ann.tasks.map((t) => [t.taskId, t.phase]), [[taskId, 'connected']]);
  });

  it('reads a task changed since its claim and accepts it as it is now', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    await changePriority(taskId, 7, w.deps);
    const calls = countingIo(w);
    const task = await acceptOffer('ann', offerId, w.deps);
    assert.equal(calls.get('tasks.acceptClaimed'), 1, 'tried first, refused on the ETag');
    assert.equal(calls.get('tasks.read'), 1);
    assert.equal(task.state, 'connected');
    assert.equal(task.priority, 7, 'the change made since the claim is kept');
  });

  it('refuses an accept after the ring-out time without writing, as before', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    const before = w.tasks.docs.get(taskId)!.etag;
    w.clock.advance(60 * 60 * 1000);
    const calls = countingIo(w);
    await assert.rejects(acceptOffer('ann', offerId, w.deps), (err: unknown) => err instanceof DomainError && err.code === 'OFFER.NOT_OPEN');
    assert.equal(calls.get('tasks.acceptClaimed') ?? 0, 0, 'the slot says it rang out: no write is tried');
    assert.equal(w.tasks.docs.get(taskId)!.etag, before);
  });
});

const noAcw = makeService('s', { afterCallWork: { durationSeconds: 0, extendable: false, maxExtensionSeconds: 0, canEndEarly: true } });

describe('finishing a chat as it was accepted', () => {
  it('closes a chat without ACW with the agent read, the task written without a read and the agent written (then the session recorded)', async () => {
    const { w, taskId, offerId } = await offeredToAnn(noAcw);
    await acceptOffer('ann', offerId, w.deps);
    const kept = (await w.agents.read('ann'))!.value.tasks[0]?.accepted;
    assert.deepEqual(kept, { taskEtag: w.tasks.docs.get(taskId)!.etag, acwSeconds: 0 }, 'the accept keeps the task ETag it left and the ACW seconds');
    w.clock.advance(5000);
    const calls = countingIo(w);
    const task = await finishTask('ann', taskId, w.deps);
    assert.deepEqual(Object.fromEntries(calls), { 'agents.read': 1, 'tasks.finishAccepted': 1, 'agents.replace': 1 });
    assert.equal(task.state, 'closed');
    assert.equal(task.outcome, 'handled');
    assert.equal(task.timings.endedAt, w.clock.now().toISOString());
    assert.deepEqual((await w.tasks.read(taskId))!.value, task);
    const ann = (await w.agents.read('ann'))!.value;
    assert.deepEqual(ann.tasks, []);
    assert.equal(ann.idleSince, task.timings.endedAt);
    assert.equal(w.sessions.records.get(taskId)?.handleSeconds, 5);
  });

  it('puts a chat into ACW without reading the task, and drops what the accept kept', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    await acceptOffer('ann', offerId, w.deps);
    const calls = countingIo(w);
    const task = await finishTask('ann', taskId, w.deps);
    assert.equal(calls.get('tasks.read') ?? 0, 0);
    assert.equal(task.state, 'wrap-up');
    assert.equal(Date.parse(task.acw!.endsAt) - w.clock.now().getTime(), makeService('s').afterCallWork.durationSeconds * 1000);
    assert.deepEqual((await w.agents.read('ann'))!.value.tasks.map((t) => [t.taskId, t.phase, t.accepted]), [[taskId, 'wrap-up', undefined]]);
  });

  it('reads a task coded since the accept and finishes it as it is now, keeping the codes', async () => {
    const { w, taskId, offerId } = await offeredToAnn(noAcw);
    await acceptOffer('ann', offerId, w.deps);
    await setCodesAndTags('ann', taskId, { codes: ['refund'], tags: [] }, w.deps);
    const calls = countingIo(w);
    const task = await finishTask('ann', taskId, w.deps);
    assert.equal(calls.get('tasks.finishAccepted'), 1, 'tried first, refused on the ETag');
    assert.equal(calls.get('tasks.read'), 1);
    assert.equal(task.state, 'closed');
    assert.deepEqual(task.codes, ['refund']);
    assert.deepEqual(w.sessions.records.get(taskId)?.codes, ['refund']);
  });
});
