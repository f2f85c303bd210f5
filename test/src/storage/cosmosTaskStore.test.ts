// The Cosmos task store's claim of a queued task, accept of an offer and finish of a chat against
// the Cosmos emulator: each patch stores what the domain's `offered` / `accepted` / `finished` gives,
// and writes nothing unless the task is as the claim's ETag / the domain's `acceptable` /
// `finishable` require.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acceptable, accepted, finishable, finished, offered, transition, type Offer, type Task } from '../../../src/domain/task';
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

  it('accepts an offer as the domain accepts it, on the condition the domain states, also the second offer after a decline and a change of priority', async () => {
    const stored = await store.create(queuedTask('t3'));
    const first = offer('t3', 1, 'ann', '2026-11-21T10:01:00.000Z');
    const claimed = await store.offerQueued(queueEntry(stored, new Date(at)), first);
    const declined = await store.replace(transition(claimed.value, 'queued', { offers: [{ ...first, outcome: 'declined', decidedAt: '2026-11-21T10:01:10.000Z' }] }), claimed.etag);
    const second = offer('t3', 2, 'bob', '2026-11-21T10:02:00.000Z');
    const again = await store.offerQueued(queueEntry(declined, new Date(at)), second);
    const raised = await store.replace({ ...again.value, priority: 9 }, again.etag);
    const connectedAt = '2026-11-21T10:02:05.000Z';
    assert.ok(acceptable(raised.value, second.offerId, 'bob', connectedAt));
    const connected = await store.acceptOpenOffer('t3', second.offerId, 'bob', connectedAt);
    assert.deepEqual(connected.value, accepted(raised.value, second.offerId, 'bob', connectedAt));
    assert.equal(connected.value.offers[0]?.outcome, 'declined', 'the first offer is left as it was');
    assert.deepEqual(await store.read('t3'), connected);
  });

  it('refuses an accept the domain would refuse, or of a task that is gone, and writes nothing', async () => {
    const stored = await store.create(queuedTask('t4'));
    const first = offer('t4', 1, 'ann', at);
    const claimed = await store.offerQueued(queueEntry(stored, new Date(at)), first);
    const inTime = '2026-11-21T10:00:05.000Z';
    const refused: [string, string, string][] = [
      [first.offerId, 'bob', inTime], // not Bob's
      [first.offerId, 'ann', first.expiresAt], // at its ring-out time
      ['t4.offer-2', 'ann', inTime], // no such offer
    ];
    for (const [offerId, agentId, when] of refused) {
      assert.equal(acceptable(claimed.value, offerId, agentId, when), false);
      await assert.rejects(store.acceptOpenOffer('t4', offerId, agentId, when), PreconditionFailedError);
    }
    const withdrawn = await store.replace(transition(claimed.value, 'queued', { offers: [{ ...first, outcome: 'withdrawn', decidedAt: inTime }] }), claimed.etag);
    await assert.rejects(store.acceptOpenOffer('t4', first.offerId, 'ann', inTime), PreconditionFailedError);
    assert.deepEqual(await store.read('t4'), withdrawn);
    await assert.rejects(store.acceptOpenOffer('gone', 'gone.offer-1', 'ann', inTime), PreconditionFailedError);
    assert.equal(await store.read('gone'), undefined);
  });

  it('finishes a chat as the domain finishes it, on the condition the domain states: into ACW, or closed as handled without ACW; then no more', async () => {
    for (const [id, acwSeconds] of [['t5', 60], ['t6', 0]] as const) {
      const stored = await store.create(queuedTask(id));
      const first = { ...offer(id, 1, 'ann', at), afterCallWork: { ...makeService('s').afterCallWork, durationSeconds: acwSeconds } };
      await store.offerQueued(queueEntry(stored, new Date(at)), first);
      const connected = await store.acceptOpenOffer(id, first.offerId, 'ann', '2026-11-21T10:00:05.000Z');
      // Coded during the chat; the one without ACW was also marked handled by its workflow.
      const coded = await store.replace({ ...connected.value, codes: ['refund'], outcome: acwSeconds === 0 ? 'handled' : null }, connected.etag);
      const finishedAt = new Date('2026-11-21T10:07:00.000Z');
      assert.equal(finishable(coded.value, first.offerId, 'bob', acwSeconds), false);
      await assert.rejects(store.finishConnected(id, first.offerId, 'bob', finishedAt, acwSeconds), PreconditionFailedError, "not Bob's chat");
      await assert.rejects(store.finishConnected(id, first.offerId, 'ann', finishedAt, acwSeconds + 1), PreconditionFailedError, 'not its ACW');
      assert.ok(finishable(coded.value, first.offerId, 'ann', acwSeconds));
      const done = await store.finishConnected(id, first.offerId, 'ann', finishedAt, acwSeconds);
      assert.deepEqual(done.value, finished(coded.value, finishedAt, acwSeconds));
      assert.equal(done.value.state, acwSeconds === 0 ? 'closed' : 'wrap-up');
      assert.deepEqual(await store.read(id), done);
      assert.equal(finishable(done.value, first.offerId, 'ann', acwSeconds), false);
      await assert.rejects(store.finishConnected(id, first.offerId, 'ann', finishedAt, acwSeconds), PreconditionFailedError, 'finished already');
      assert.deepEqual(await store.read(id), done);
    }
  });

  it('takes ids with quotes as values, not as query text', async () => {
    const id = `t7"') OR true OR ("`;
    const stored = await store.create(queuedTask(id));
    const first = offer(id, 1, 'ann', at);
    await store.offerQueued(queueEntry(stored, new Date(at)), first);
    await assert.rejects(store.acceptOpenOffer(id, first.offerId, `x" OR "1" = "1`, '2026-11-21T10:00:05.000Z'), PreconditionFailedError);
    assert.equal((await store.acceptOpenOffer(id, first.offerId, 'ann', '2026-11-21T10:00:05.000Z')).value.state, 'connected');
  });
});
