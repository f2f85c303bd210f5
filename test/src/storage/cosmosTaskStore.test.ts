// The Cosmos task store's claim of a queued task, accept of a claimed one and finish of an accepted
// one against the Cosmos emulator: each patch stores what the domain's `offered` / `accepted` /
// `finished` gives, and a task changed since the version it names is not written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accepted, finished, offered, transition, type Offer, type Task } from '../../../src/domain/task';
import { queueEntry } from '../../../src/distribution/requeue';
import { PreconditionFailedError } from '../../../src/distribution/ports';
import { CosmosTaskStore } from '../../../src/storage/cosmosTaskStore';
import { startTestCosmos, type TestCosmos } from '../../support/cosmosEmulator';
import { makeService } from '../../support/distributionFixtures';

const at = '2026-11-21T10:00:00.000Z';

function queuedTask(id: string): Task {
  return {
    id,
    serviceId: 's',
    channel: 'external',
    state: 'queued',
    priority: 1,
    enqueueOrder: `0001-${id}`,
    parameters: { topic: 'billing' },
    offers: [],
    assignedAgentId: null,
    codes: [],
    tags: [],
    acw: null,
    callFlow: [{ serviceId: 's', enteredAt: at, leftAt: null, reason: 'created' }],
    timings: { createdAt: at, queuedAt: at, firstOfferedAt: null, connectedAt: null, wrapUpAt: null, endedAt: null },
    outcome: null,
  };
}

function offer(taskId: string, n: number, agentId: string, offeredAt: string): Offer {
  return {
    offerId: `${taskId}.offer-${n}`,
    agentId,
    offeredAt,
    expiresAt: new Date(Date.parse(offeredAt) + 30_000).toISOString(),
    outcome: 'open',
    decidedAt: null,
    routing: { policy: 'longest-idle', decidedAt: offeredAt, candidatesConsidered: 2, excluded: [], ranking: [{ agentId, values: { idleSince: at } }], chosenAgentId: agentId, decidedBy: 'longest idle' },
    afterCallWork: makeService('s').afterCallWork,
  };
}

describe('CosmosTaskStore', () => {
  let cosmos: TestCosmos;
  let store: CosmosTaskStore;

  before(async () => {
    cosmos = await startTestCosmos();
    store = new CosmosTaskStore(await cosmos.container({ id: 'tasks', partitionKey: { paths: ['/id'] } }));
  });

  after(async () => {
    await cosmos?.stop();
  });

  it('claims a queued task from its entry as the domain offers it: first offer, then again after a decline', async () => {
    const stored = await store.create(queuedTask('t1'));
    const first = offer('t1', 1, 'ann', '2026-11-21T10:01:00.000Z');
    const claimed = await store.offerQueued(queueEntry(stored, new Date(at)), first);
    assert.deepEqual(claimed.value, offered(stored.value, first));
    assert.deepEqual((await store.read('t1'))?.value, claimed.value);

    // Declined and queued again: the second offer keeps the first offer's time.
    const requeued = await store.replace(transition(claimed.value, 'queued', { offers: [{ ...first, outcome: 'declined', decidedAt: '2026-11-21T10:01:10.000Z' }] }), claimed.etag);
    const second = offer('t1', 2, 'bob', '2026-11-21T10:02:00.000Z');
    const again = await store.offerQueued(queueEntry(requeued, new Date(at)), second);
    assert.deepEqual(again.value, offered(requeued.value, second));
    assert.equal(again.value.timings.firstOfferedAt, first.offeredAt);
  });

  it('refuses a task changed since its entry was written, or gone, and writes nothing', async () => {
    const stored = await store.create(queuedTask('t2'));
    const entry = queueEntry(stored, new Date(at));
    const changed = await store.replace({ ...stored.value, priority: 5 }, stored.etag);
    await assert.rejects(store.offerQueued(entry, offer('t2', 1, 'ann', at)), PreconditionFailedError);
    assert.deepEqual(await store.read('t2'), changed);
    await assert.rejects(store.offerQueued({ ...entry, id: 'gone', taskId: 'gone' }, offer('gone', 1, 'ann', at)), PreconditionFailedError);
    assert.equal(await store.read('gone'), undefined);
  });

  it('accepts a claimed task as the domain accepts it, also its second offer after a decline', async () => {
    const stored = await store.create(queuedTask('t3'));
    const first = offer('t3', 1, 'ann', '2026-11-21T10:01:00.000Z');
    const claimed = await store.offerQueued(queueEntry(stored, new Date(at)), first);
    const declined = await store.replace(transition(claimed.value, 'queued', { offers: [{ ...first, outcome: 'declined', decidedAt: '2026-11-21T10:01:10.000Z' }] }), claimed.etag);
    const second = offer('t3', 2, 'bob', '2026-11-21T10:02:00.000Z');
    const again = await store.offerQueued(queueEntry(declined, new Date(at)), second);
    const connectedAt = '2026-11-21T10:02:05.000Z';
    const connected = await store.acceptClaimed('t3', again.etag, second.offerId, 'bob', connectedAt);
    assert.deepEqual(connected.value, accepted(again.value, second.offerId, 'bob', connectedAt));
    assert.equal(connected.value.offers[0]?.outcome, 'declined', 'the first offer is left as it was');
    assert.deepEqual(await store.read('t3'), connected);
  });

  it('refuses an accept of a task changed since its claim, or gone, and writes nothing', async () => {
    const stored = await store.create(queuedTask('t4'));
    const first = offer('t4', 1, 'ann', at);
    const claimed = await store.offerQueued(queueEntry(stored, new Date(at)), first);
    const changed = await store.replace({ ...claimed.value, priority: 5 }, claimed.etag);
    await assert.rejects(store.acceptClaimed('t4', claimed.etag, first.offerId, 'ann', at), PreconditionFailedError);
    assert.deepEqual(await store.read('t4'), changed);
    await assert.rejects(store.acceptClaimed('gone', claimed.etag, 'gone.offer-1', 'ann', at), PreconditionFailedError);
    assert.equal(await store.read('gone'), undefined);
  });

  it('finishes an accepted task as the domain finishes it: into ACW, or closed as handled without ACW', async () => {
    for (const [id, acwSeconds] of [['t5', 60], ['t6', 0]] as const) {
      const stored = await store.create(queuedTask(id));
      const first = offer(id, 1, 'ann', at);
      const claimed = await store.offerQueued(queueEntry(stored, new Date(at)), first);
      const connected = await store.acceptClaimed(id, claimed.etag, first.offerId, 'ann', '2026-11-21T10:00:05.000Z');
      const finishedAt = new Date('2026-11-21T10:07:00.000Z');
      const done = await store.finishAccepted(id, connected.etag, finishedAt, acwSeconds);
      assert.deepEqual(done.value, finished(connected.value, finishedAt, acwSeconds));
      assert.equal(done.value.state, acwSeconds === 0 ? 'closed' : 'wrap-up');
      assert.deepEqual(await store.read(id), done);
      // Finished already: the ETag the accept left is spent.
      await assert.rejects(store.finishAccepted(id, connected.etag, finishedAt, acwSeconds), PreconditionFailedError);
      assert.deepEqual(await store.read(id), done);
    }
  });
});
