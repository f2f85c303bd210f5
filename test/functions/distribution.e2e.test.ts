// Task distribution end to end through devhost: the admin, agent desk and external task APIs over
// HTTP, the distributor and timeouts through the Service Bus emulator, state in the Cosmos emulator.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CosmosClient } from '@azure/cosmos';
import { ServiceBusClient } from '@azure/service-bus';
import type { z } from 'zod';
import { cosmosEmulatorKey } from '../../devhost/emulators/cosmos';
import { AgentOfferSchema, AgentStateSchema, AgentTaskSchema } from '../../src/api/agentSchemas';
import { RoutingLog, TaskSchema } from '../../src/api/taskSchemas';
import { resourceManifest } from '../../src/config/resourceManifest';
import type { Agent } from '../../src/domain/agent';
import type { Task } from '../../src/domain/task';
import { ApiClient, eventually } from '../support/apiClient';
import { repoRoot, type DevhostProcess } from '../support/devhost';
import { startSwitchboard } from '../support/switchboard';

type AgentState = Pick<Agent, 'presence' | 'rona' | 'offers' | 'tasks' | 'notAvailableRequests' | 'notAvailableReasons' | 'memberships'>;
type Position = { position: number | null; queueLength: number; estimatedWaitSeconds: number | null; state: string };
type ErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

let devhost: DevhostProcess;
let api: ApiClient;
let serial = 0;

before(async () => {
  devhost = await startSwitchboard();
  api = new ApiClient(devhost.baseUrl);
});
after(async () => devhost.stop());

/** A fresh service per test, so tests do not see each other's queues. */
async function service(settings: Record<string, unknown> = {}): Promise<string> {
  const id = `svc-${++serial}-${Date.now().toString(36)}`;
  const res = await api.post('/services', {
    id,
    name: `Test ${id}`,
    address: `${id}@contoso.example`,
    distribution: { policy: 'longest-idle', ronaTimeoutSeconds: 30 },
    afterCallWork: { durationSeconds: 60, extendable: true, maxExtensionSeconds: 120, canEndEarly: true },
    ...settings,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return id;
}

async function agent(serviceIds: string[], settings: Record<string, unknown> = {}, available = true): Promise<string> {
  const id = `agent-${++serial}-${Date.now().toString(36)}`;
  const res = await api.post('/agents', {
    id,
    displayName: id,
    email: `${id}@contoso.example`,
    imCapacity: 1,
    memberships: serviceIds.map((serviceId) => ({ serviceId })),
    notAvailableReasons: ['Break', 'Team meeting'],
    ...settings,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  if (available) assert.equal((await api.put(`/agents/${id}/presence`, { presence: 'available' })).status, 200);
  return id;
}

/** The answer is what the OpenAPI document says it is: valid under its schema, with no field the schema leaves out. */
function documented<T>(schema: z.ZodType, body: T): T {
  assert.deepEqual(schema.parse(body), body, 'the answer matches its OpenAPI schema');
  return body;
}

async function task(serviceId: string, body: Record<string, unknown> = {}): Promise<Task> {
  const res = await api.post<Task>(`/services/${serviceId}/tasks`, body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return documented(TaskSchema, res.body);
}

const state = async (agentId: string): Promise<AgentState> => documented(AgentStateSchema, (await api.get<AgentState>(`/agents/${agentId}/state`)).body);
const readTask = async (taskId: string): Promise<Task> => documented(TaskSchema, (await api.get<Task>(`/tasks/${taskId}`)).body);
const position = async (taskId: string): Promise<Position> => (await api.get<Position>(`/tasks/${taskId}/position`)).body;
const offered = (agentId: string, count = 1): Promise<AgentState> => eventually(() => state(agentId), (s) => s.offers.length >= count, 10_000, `${agentId} has ${count} offer(s)`);

describe('task distribution through devhost', () => {
  it('offers a queued task to an available agent, who accepts, chats, codes, finishes into ACW, extends and ends it; the slot is freed for the next task', async () => {
    const serviceId = await service();
    const first = await task(serviceId, { priority: 10, parameters: { orderId: 'A-1' } });
    const second = await task(serviceId, { priority: 10 });
    assert.deepEqual((await readTask(first.id)).parameters, { orderId: 'A-1' }, 'the task keeps its parameters');
    assert.deepEqual(await position(first.id), { taskId: first.id, serviceId, state: 'queued', position: 1, queueLength: 2, estimatedWaitSeconds: null });
    assert.equal((await position(second.id)).position, 2);

    const agentId = await agent([serviceId]);
    const offer = (await offered(agentId)).offers[0]!;
    assert.equal(offer.taskId, first.id, 'the head of the queue is offered first');
    const routing = documented(RoutingLog, (await api.get<{ offers: Task['offers'] }>(`/tasks/${first.id}/routing`)).body);
    assert.equal(routing.offers[0]?.routing.policy, 'longest-idle');
    assert.equal(routing.offers[0]?.routing.chosenAgentId, agentId);
    assert.equal((await readTask(first.id)).state, 'offered');
    // The agent sees when the offer rings out.
    assert.equal(offer.expiresAt, routing.offers[0]?.expiresAt);
    assert.deepEqual(documented(AgentOfferSchema.array(), (await api.get<unknown[]>(`/agents/${agentId}/offers`)).body), [offer]);

    const withField = await api.post<ErrorBody>(`/agents/${agentId}/offers/${offer.offerId}/accept`, { agent: 'someone else' });
    assert.deepEqual([withField.status, withField.body.error.issues?.[0]?.path], [400, '/agent'], 'an accept takes no fields');
    assert.equal((await readTask(first.id)).state, 'offered', 'the refused accept changed nothing');
    const accepted = await api.post<Task>(`/agents/${agentId}/offers/${offer.offerId}/accept`);
    assert.equal(accepted.status, 200);
    documented(TaskSchema, accepted.body);
    assert.equal(accepted.body.state, 'connected');
    assert.equal(accepted.body.assignedAgentId, agentId);
    assert.equal((await api.post(`/agents/${agentId}/offers/${offer.offerId}/accept`)).status, 200, 'a repeated accept is idempotent');
    // The chat says which offer it came from and the ACW it will get.
    const chat = (await state(agentId)).tasks[0];
    assert.deepEqual(chat, { taskId: first.id, serviceId, since: accepted.body.timings.connectedAt, phase: 'connected', offerId: offer.offerId, acwSeconds: 60 });
    assert.deepEqual(documented(AgentTaskSchema.array(), (await api.get<unknown[]>(`/agents/${agentId}/tasks`)).body), [chat]);

    const blank = await api.put<ErrorBody>(`/agents/${agentId}/tasks/${first.id}/coding`, { codes: ['   '], tags: ['ok', '\t'] });
    assert.deepEqual([blank.status, blank.body.error.issues?.map((i) => i.path)], [400, ['/codes/0', '/tags/1']], 'blank codes and tags are refused, each named');
    assert.deepEqual((await readTask(first.id)).codes, [], 'the refused coding changed nothing');
    const coded = await api.put<Task>(`/agents/${agentId}/tasks/${first.id}/coding`, { codes: [' refund '], tags: ['vip', 'vip '] });
    assert.deepEqual([coded.body.codes, coded.body.tags], [['refund'], ['vip']], 'trimmed, then told apart');

    const wrapUp = await api.post<Task>(`/agents/${agentId}/tasks/${first.id}/finish`);
    assert.equal(wrapUp.body.state, 'wrap-up');
    const extended = await api.post<Task>(`/agents/${agentId}/tasks/${first.id}/acw/extend`, { seconds: 30 }, { 'idempotency-key': 'extend-1' });
    assert.deepEqual(documented(TaskSchema, extended.body).acw, { endsAt: extended.body.acw?.endsAt, extensions: 1 }, 'the extension keys stay on the server');
    assert.equal(Date.parse(extended.body.acw!.endsAt) - Date.parse(wrapUp.body.acw!.endsAt), 30_000);
    const retried = await api.post<Task>(`/agents/${agentId}/tasks/${first.id}/acw/extend`, { seconds: 30 }, { 'idempotency-key': 'extend-1' });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.acw?.endsAt, extended.body.acw?.endsAt, 'a retry with the same Idempotency-Key extends once');
    const reused = await api.post<ErrorBody>(`/agents/${agentId}/tasks/${first.id}/acw/extend`, { seconds: 20 }, { 'idempotency-key': 'extend-1' });
    assert.deepEqual([reused.status, reused.body.error.code], [422, 'IDEMPOTENCY.KEY_REUSED'], 'the key of a 30 s extension reused for 20 s');
    const secondExtension = await api.post<Task>(`/agents/${agentId}/tasks/${first.id}/acw/extend`, { seconds: 10 }, { 'idempotency-key': 'extend-2' });
    assert.equal(Date.parse(secondExtension.body.acw!.endsAt) - Date.parse(extended.body.acw!.endsAt), 10_000);
    const lateRetry = await api.post<Task>(`/agents/${agentId}/tasks/${first.id}/acw/extend`, { seconds: 30 }, { 'idempotency-key': 'extend-1' });
    assert.deepEqual([lateRetry.status, lateRetry.body.acw?.endsAt], [200, secondExtension.body.acw?.endsAt], 'a retry of the first extension after a second one extends nothing');
    const endWithField = await api.post<ErrorBody>(`/agents/${agentId}/tasks/${first.id}/acw/end`, { now: true });
    assert.deepEqual([endWithField.status, endWithField.body.error.issues?.[0]?.path], [400, '/now'], 'ending ACW takes no fields');
    assert.equal((await api.post(`/agents/${agentId}/tasks/${first.id}/acw/extend`, { seconds: 500 })).status, 409, 'longer than the service allows');
    assert.equal((await readTask(first.id)).acw?.endsAt, secondExtension.body.acw?.endsAt, 'the refused extension changed nothing');
    assert.equal((await state(agentId)).offers.length, 0, 'ACW still holds the slot: nothing new is offered');

    const closed = await api.post<Task>(`/agents/${agentId}/tasks/${first.id}/acw/end`);
    assert.equal(closed.body.state, 'closed');
    const next = (await offered(agentId)).offers[0]!;
    assert.equal(next.taskId, second.id, 'ending ACW freed the slot and the next task was offered');
    assert.ok((await position(second.id)).position === null);
  });

  it('RONA: an unanswered offer rings out, the agent goes into RONA, the task keeps its place; a late accept or decline gets 409 and changes nothing', async () => {
    const serviceId = await service({ distribution: { policy: 'longest-idle', ronaTimeoutSeconds: 5 } });
    const agentId = await agent([serviceId]);
    const first = await task(serviceId);
    const offer = (await offered(agentId)).offers[0]!;
    const later = await task(serviceId);
    const rang = await eventually(() => state(agentId), (s) => s.rona !== null, 12_000, 'RONA');
    assert.equal(rang.offers.length, 0);
    assert.equal(rang.rona?.taskId, first.id);
    assert.equal((await position(first.id)).position, 1, 'the ringing-out task is back at the head, ahead of the later one');
    assert.equal((await position(later.id)).position, 2);
    const offers = (await readTask(first.id)).offers;
    assert.equal(offers[0]?.outcome, 'rona');

    const late = await api.post<ErrorBody>(`/agents/${agentId}/offers/${offer.offerId}/accept`);
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'OFFER.NOT_OPEN');
    assert.equal((await readTask(first.id)).state, 'queued', 'the late accept changed nothing');
    const lateDecline = await api.post<ErrorBody>(`/agents/${agentId}/offers/${offer.offerId}/decline`);
    assert.deepEqual([lateDecline.status, lateDecline.body.error.code], [409, 'OFFER.NOT_OPEN'], 'a late decline does not turn the RONA into a decline');
    assert.ok((await state(agentId)).rona, 'still in RONA');

    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await state(agentId)).offers.length, 0, 'an agent in RONA gets no offers');
    await api.put(`/agents/${agentId}/presence`, { presence: 'available' });
    const again = (await offered(agentId)).offers[0]!;
    assert.equal(again.taskId, first.id);
    assert.equal(again.offerId, `${first.id}.offer-2`);
  });

  it('RONA recalls the other offers ringing for the agent: their tasks keep their places and go to the next agent at once, not at their own ring-out times', async () => {
    const serviceId = await service({ distribution: { policy: 'longest-idle', ronaTimeoutSeconds: 5 } });
    const agentId = await agent([serviceId], { imCapacity: 2 });
    const first = await task(serviceId);
    await offered(agentId, 1);
    await new Promise((r) => setTimeout(r, 2000));
    const second = await task(serviceId);
    const both = await offered(agentId, 2);
    const secondOffer = both.offers.find((o) => o.taskId === second.id)!;
    await eventually(() => state(agentId), (s) => s.rona !== null, 12_000, 'RONA');
    const rang = await eventually(() => state(agentId), (s) => s.offers.length === 0, 2000, 'the other offer recalled');
    assert.equal(rang.rona?.taskId, first.id, 'RONA for the offer that rang out');
    assert.ok(Date.now() < Date.parse(secondOffer.expiresAt ?? ''), 'before the second offer would have rung out');
    assert.deepEqual((await readTask(second.id)).offers.map((o) => o.outcome), ['recalled']);
    assert.deepEqual([(await position(first.id)).position, (await position(second.id)).position], [1, 2], 'both back in their order');
    const bob = await agent([serviceId], { imCapacity: 2 });
    assert.deepEqual((await offered(bob, 2)).offers.map((o) => o.taskId).sort(), [first.id, second.id].sort());
  });

  it('frees, seconds after a cancel, a slot that the round claimed after the cancel looked (the second look goes through Service Bus and the timeouts function), and the agent gets the next task long before the ring-out time', async () => {
    const serviceId = await service({ distribution: { policy: 'longest-idle', ronaTimeoutSeconds: 600 } });
    const ann = await agent([serviceId]);
    const first = await task(serviceId);
    const slot = (await offered(ann)).offers[0]!;
    const cosmos = new CosmosClient({ endpoint: `http://127.0.0.1:${devhost.ports.cosmos}`, key: cosmosEmulatorKey });
    try {
      assert.equal((await api.post(`/tasks/${first.id}/cancel`, { reason: 'customer left' })).status, 200);
      assert.deepEqual((await state(ann)).offers, [], 'the cancel freed the slot it found');
      // The race, set up with the Cosmos SDK: the round's slot claim lands right after the cancel
      // looked, so Ann holds a slot for the cancelled offer (only the ring-out timer, 10 minutes
      // away, would free it without the second look).
      const agents = cosmos.database(resourceManifest.cosmos.databaseName).container('agents');
      const { resource: doc, etag } = await agents.item(ann, ann).read<{ offers: unknown[] }>();
      await agents.item(ann, ann).replace({ ...doc!, offers: [...doc!.offers, slot] }, { accessCondition: { type: 'IfMatch', condition: etag! } });
      const next = await task(serviceId);
      assert.equal((await position(next.id)).position, 1, 'the next task waits: Ann’s one slot is held');
      const freed = await eventually(() => state(ann), (s) => s.offers.every((o) => o.offerId !== slot.offerId), 15_000, 'the second look freed the slot');
      assert.equal((await offered(ann)).offers[0]?.taskId, next.id, 'and the next task is offered to Ann');
      assert.equal(freed.rona, null, 'no RONA');
      assert.equal((await readTask(first.id)).state, 'cancelled');
    } finally {
      cosmos.dispose();
    }
  });

  it('retries a ring-out message it cannot read (an offer timer without its ring-out time), then dead-letters it rather than dropping it, changing nothing', async () => {
    const serviceId = await service();
    const waiting = await task(serviceId);
    const client = new ServiceBusClient(`Endpoint=sb://localhost:${devhost.ports.serviceBus};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`);
    try {
      const messageId = `unreadable-${waiting.id}`;
      await client.createSender('timeouts').sendMessages({ body: { kind: 'offer', taskId: waiting.id, offerId: `${waiting.id}.offer-1` }, messageId, contentType: 'application/json' });
      const deadLetters = client.createReceiver('timeouts', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
      const [dead] = await eventually(() => deadLetters.receiveMessages(1, { maxWaitTimeInMs: 500 }), (got) => got.length > 0, 30_000, 'the message dead-lettered');
      assert.equal(dead?.messageId, messageId);
      assert.equal(dead?.deadLetterReason, 'MaxDeliveryCountExceeded');
      assert.equal(dead?.deliveryCount, 10, 'delivered as often as the queue allows (maxDeliveryCount 10)');
      const unchanged = await readTask(waiting.id);
      assert.equal(unchanged.state, 'queued');
      assert.deepEqual(unchanged.offers, []);
    } finally {
      await client.close();
    }
  });

  it('declining re-queues the task at once at its old place, and it goes to another agent', async () => {
    const serviceId = await service();
    const ann = await agent([serviceId]);
    const first = await task(serviceId);
    const offer = (await offered(ann)).offers[0]!;
    const bob = await agent([serviceId]);
    const declined = await api.post<Task>(`/agents/${ann}/offers/${offer.offerId}/decline`);
    assert.equal(declined.status, 200);
    const toBob = (await offered(bob)).offers[0]!;
    assert.equal(toBob.taskId, first.id);
    assert.equal((await state(ann)).rona, null, 'declining is not RONA');
    const routing = (await readTask(first.id)).offers[1]!.routing;
    // The round that offers it may read the agents before Ann's slot is freed (a round started by
    // Bob signing in): then she is no candidate at all. Otherwise she is passed over for declining.
    const annInLog = routing.excluded.find((e) => e.agentId === ann);
    if (annInLog) assert.deepEqual(annInLog, { agentId: ann, reason: 'declined-before' });
    else assert.ok(routing.ranking.every((r) => r.agentId !== ann), `Ann is neither passed over nor ranked: ${JSON.stringify(routing)}`);
    assert.equal(routing.chosenAgentId, bob);

    // Bob declines too: with nobody else to take it, the task goes back to one of them, and the routing log says so.
    assert.equal((await api.post(`/agents/${bob}/offers/${toBob.offerId}/decline`)).status, 200);
    const again = await eventually(() => readTask(first.id), (t) => t.offers.length === 3, 10_000, 'a third offer');
    assert.match(again.offers[2]!.routing.decidedBy, /^offered again to an agent who declined it: nobody else can take it now/);
  });

  it('an agent going away while an offer rings recalls it: the task is back at its old place, ahead of the tasks that came after it, and goes to the next agent; no RONA, and a late accept is refused', async () => {
    const serviceId = await service();
    const ann = await agent([serviceId]);
    const first = await task(serviceId);
    const offer = (await offered(ann)).offers[0]!;
    const second = await task(serviceId);
    assert.equal((await position(second.id)).position, 1, 'while the first is offered, the second waits at the head');
    const away = await api.put<AgentState>(`/agents/${ann}/presence`, { presence: 'away', reason: 'break' });
    assert.deepEqual([away.status, away.body.presence, away.body.offers, away.body.rona], [200, 'away', [], null], 'the answer shows the offer gone and no RONA');
    const recalled = await readTask(first.id);
    assert.deepEqual([recalled.state, recalled.offers[0]?.outcome], ['queued', 'recalled']);
    assert.deepEqual([(await position(first.id)).position, (await position(second.id)).position], [1, 2]);
    const late = await api.post<ErrorBody>(`/agents/${ann}/offers/${offer.offerId}/accept`);
    assert.deepEqual([late.status, late.body.error.code], [409, 'OFFER.NOT_OPEN']);
    assert.equal((await readTask(first.id)).state, 'queued', 'the refused accept changed nothing');
    const bob = await agent([serviceId]);
    assert.equal((await offered(bob)).offers[0]?.taskId, first.id, 'the recalled task is offered first');
    assert.equal((await api.put(`/agents/${ann}/presence`, { presence: 'available' })).status, 200);
    const again = (await offered(ann)).offers[0]!;
    assert.equal(again.taskId, second.id, 'back, Ann is offered the next task: a recall is no refusal');
  });

  it('recalls the offers ringing for an agent an admin or the agent makes ineligible (membership, licence, off duty, capacity cut): the task goes to the next agent and a late accept is refused', async () => {
    /** The agent's settings as an admin replaces them, from what the admin API reads. */
    const replace = async (agentId: string, change: (settings: Record<string, unknown>) => Record<string, unknown>): Promise<void> => {
      const read = await api.get<Record<string, unknown>>(`/agents/${agentId}`);
      const { displayName, email, imLicensed, skills, profiles, memberships, imCapacity } = read.body;
      const res = await api.put(`/agents/${agentId}`, change({ displayName, email, imLicensed, skills, profiles, memberships, imCapacity }), { 'if-match': read.headers.get('etag') ?? '' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    const recalledFrom = async (agentId: string, offerId: string, taskId: string): Promise<void> => {
      assert.deepEqual((await state(agentId)).offers.filter((o) => o.offerId === offerId), [], `${offerId} no longer rings for ${agentId}`);
      assert.equal((await readTask(taskId)).offers.find((o) => o.offerId === offerId)?.outcome, 'recalled');
      const late = await api.post<ErrorBody>(`/agents/${agentId}/offers/${offerId}/accept`);
      assert.deepEqual([late.status, late.body.error.code], [409, 'OFFER.NOT_OPEN'], `a late accept of ${offerId}`);
      assert.equal((await state(agentId)).rona, null, 'a recall is no RONA');
    };
    const cases: [string, (agentId: string, serviceId: string) => Promise<void>][] = [
      ['membership removed', (agentId) => replace(agentId, (s) => ({ ...s, memberships: [] }))],
      ['licence taken away', (agentId) => replace(agentId, (s) => ({ ...s, imLicensed: false }))],
      ['off duty', async (agentId, serviceId) => assert.equal((await api.put(`/agents/${agentId}/services/${serviceId}/profile`, { profile: 'Off Duty' })).status, 200)],
    ];
    for (const [what, change] of cases) {
      const serviceId = await service();
      const ann = await agent([serviceId]);
      const waiting = await task(serviceId);
      const offer = (await offered(ann)).offers[0]!;
      await change(ann, serviceId);
      await recalledFrom(ann, offer.offerId, waiting.id);
      const bob = await agent([serviceId]);
      assert.equal((await offered(bob)).offers[0]?.taskId, waiting.id, `${what}: the task goes to the next agent`);
    }

    // Capacity cut below what the agent holds: the newest offer goes back, the older one still rings.
    const serviceId = await service();
    const cy = await agent([serviceId], { imCapacity: 2 });
    const older = await task(serviceId);
    await offered(cy, 1);
    const newer = await task(serviceId);
    const both = (await offered(cy, 2)).offers;
    await replace(cy, (s) => ({ ...s, imCapacity: 1 }));
    const newerOffer = both.find((o) => o.taskId === newer.id)!;
    await recalledFrom(cy, newerOffer.offerId, newer.id);
    const olderOffer = both.find((o) => o.taskId === older.id)!;
    assert.deepEqual((await state(cy)).offers.map((o) => o.offerId), [olderOffer.offerId]);
    assert.equal((await api.post(`/agents/${cy}/offers/${olderOffer.offerId}/accept`)).status, 200, 'the offer within capacity can be accepted');
  });

  it('never offers an agent more chats than their capacity, and serves priority before arrival', async () => {
    const serviceId = await service();
    const low = await task(serviceId, { priority: 1 });
    const high = await task(serviceId, { priority: 90 });
    const mid = await task(serviceId, { priority: 50 });
    assert.deepEqual([await position(high.id), await position(mid.id), await position(low.id)].map((p) => p.position), [1, 2, 3]);
    const agentId = await agent([serviceId], { imCapacity: 2 });
    const s = await offered(agentId, 2);
    assert.deepEqual(s.offers.map((o) => o.taskId).sort(), [high.id, mid.id].sort());
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await state(agentId)).offers.length, 2, 'capacity 2: the third task waits');
    assert.equal((await position(low.id)).position, 1);
  });

  it('serves a queue longer than a batch in one round: each task offered once, in the order the positions said', async () => {
    const serviceId = await service();
    const priorities = [1, 5, 1, 9, 5, 1, 9];
    const tasks: Task[] = [];
    for (const priority of priorities) tasks.push(await task(serviceId, { priority }));
    const byPosition = await Promise.all(tasks.map(async (t) => ({ id: t.id, position: (await position(t.id)).position ?? 0 })));
    const inQueueOrder = byPosition.sort((a, b) => a.position - b.position).map((t) => t.id);
    const expected = tasks
      .map((t, arrival) => ({ id: t.id, priority: priorities[arrival] ?? 0, arrival }))
      .sort((a, b) => b.priority - a.priority || a.arrival - b.arrival)
      .map((t) => t.id);
    assert.deepEqual(inQueueOrder, expected, 'positions: priority, then arrival');
    // One agent with room for all seven: one round serves them in batches, each batch's last slot
    // claim going on into the next batch.
    const agentId = await agent([serviceId], { imCapacity: 7 });
    const s = await offered(agentId, 7);
    assert.deepEqual(s.offers.map((o) => o.taskId).sort(), [...expected].sort());
    const offers = await Promise.all(expected.map(async (id) => (await readTask(id)).offers));
    assert.ok(
      offers.every((o) => o.length === 1 && o[0]?.outcome === 'open'),
      'each task has one open offer',
    );
    const offeredAt = offers.map((o) => Date.parse(o[0]?.offeredAt ?? ''));
    assert.deepEqual([...offeredAt].sort((a, b) => a - b), offeredAt, 'offers made in queue order');
  });

  it('opens a not-available request each time an agent stops being available; the agent fills each with one of their assigned reasons, then or later, most recent first; closed, unknown and unassigned are refused, changing nothing', async () => {
    const serviceId = await service();
    const agentId = await agent([serviceId], { notAvailableReasons: ['Lunch', 'Coaching', 'Team meeting'] });
    type Request = AgentState['notAvailableRequests'][number];
    const requests = async (): Promise<Request[]> => (await api.get<Request[]>(`/agents/${agentId}/not-available-requests`)).body;

    // Busy without a reason, back, away with one, back, offline: three requests, the first two to fill later.
    assert.equal((await api.put(`/agents/${agentId}/presence`, { presence: 'busy' })).status, 200);
    assert.equal((await api.put(`/agents/${agentId}/presence`, { presence: 'available' })).status, 200);
    assert.equal((await api.put(`/agents/${agentId}/presence`, { presence: 'away', reason: 'COACHING' })).status, 200);
    assert.equal((await api.put(`/agents/${agentId}/presence`, { presence: 'away' })).status, 200, 'still away: no new request');
    assert.equal((await api.put(`/agents/${agentId}/presence`, { presence: 'available' })).status, 200);
    const offline = await api.put<AgentState>(`/agents/${agentId}/presence`, { presence: 'offline' });
    assert.deepEqual(offline.body.notAvailableReasons, ['Lunch', 'Coaching', 'Team meeting']);
    const open = await requests();
    assert.deepEqual(open.map((r) => [r.presence, r.reason]), [['offline', null], ['away', 'Coaching'], ['busy', null]], 'most recent first');
    assert.deepEqual(offline.body.notAvailableRequests, open, 'the state shows the same requests');
    for (const r of open) assert.equal(Date.parse(r.expiresAt) - Date.parse(r.since), 7 * 24 * 3600 * 1000, 'each closes a week after it opened');

    // Filled one by one, in any order; a filled one can be corrected while open.
    const [latest, middle, oldest] = open as [Request, Request, Request];
    const filled = await api.put<Request>(`/agents/${agentId}/not-available-requests/${oldest.id}`, { reason: 'team meeting' });
    assert.deepEqual([filled.status, filled.body.id, filled.body.reason], [200, oldest.id, 'Team meeting']);
    assert.ok(filled.body.filledAt);
    assert.equal((await api.put(`/agents/${agentId}/not-available-requests/${middle.id}`, { reason: 'Lunch' })).status, 200);
    assert.deepEqual((await requests()).map((r) => r.reason), [null, 'Lunch', 'Team meeting']);

    // Refused, naming what is wrong, and nothing changes.
    const before = await requests();
    const unassigned = await api.put<ErrorBody>(`/agents/${agentId}/not-available-requests/${latest.id}`, { reason: 'Nap' });
    assert.deepEqual([unassigned.status, unassigned.body.error.code, unassigned.body.error.issues?.[0]?.path], [400, 'AGENT.UNKNOWN_REASON', '/reason']);
    assert.match(unassigned.body.error.message, /use one of "Lunch", "Coaching", "Team meeting"/);
    const unknown = await api.put<ErrorBody>(`/agents/${agentId}/not-available-requests/no-such-request`, { reason: 'Lunch' });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'NOT_AVAILABLE.REQUEST_NOT_FOUND']);
    const malformed = await api.put<ErrorBody>(`/agents/${agentId}/not-available-requests/${latest.id}`, { reason: 'Lunch', when: 'now' });
    assert.deepEqual([malformed.status, malformed.body.error.issues?.[0]?.path], [400, '/when']);
    const nobody = await api.put<ErrorBody>(`/agents/no-such-agent/not-available-requests/${latest.id}`, { reason: 'Lunch' });
    assert.deepEqual([nobody.status, nobody.body.error.code], [404, 'AGENT.NOT_FOUND']);
    assert.deepEqual(await requests(), before, 'nothing changed');

    // One that closed (at the time the agent gave) cannot be filled any more, and is no longer listed.
    assert.equal((await api.put(`/agents/${agentId}/presence`, { presence: 'available' })).status, 200);
    const until = new Date(Date.now() + 1000).toISOString();
    const short = (await api.put<AgentState>(`/agents/${agentId}/presence`, { presence: 'busy', until })).body.notAvailableRequests[0]!;
    assert.equal(short.expiresAt, until);
    await new Promise((r) => setTimeout(r, 1200));
    const closed = await api.put<ErrorBody>(`/agents/${agentId}/not-available-requests/${short.id}`, { reason: 'Lunch' });
    assert.deepEqual([closed.status, closed.body.error.code], [409, 'NOT_AVAILABLE.REQUEST_CLOSED']);
    assert.deepEqual((await requests()).map((r) => r.id), before.map((r) => r.id), 'the closed request is gone from the list');
  });

  it('respects duty profiles, presence with a not-available reason, and the skills policy', async () => {
    const serviceId = await service({ distribution: { policy: 'skills', requiredSkills: [{ skill: 'french', minLevel: 5 }], ronaTimeoutSeconds: 30 } });
    const novice = await agent([serviceId], { skills: { french: 2 } });
    const unskilled = await agent([serviceId], { skills: { sales: 9 } });
    // "French" meets the required "french": skill names match ignoring case.
    const expert = await agent([serviceId], { skills: { French: 8 }, notAvailableReasons: ['Training', 'Lunch'] });
    await api.put(`/agents/${expert}/services/${serviceId}/profile`, { profile: 'Off Duty' });
    const away = await api.put<AgentState>(`/agents/${expert}/presence`, { presence: 'away', reason: 'training' });
    assert.deepEqual(away.body.notAvailableRequests.map((r) => [r.presence, r.reason]), [['away', 'Training']], 'filled with the reason as the admin spelled it');
    assert.ok(Date.parse(away.body.notAvailableRequests[0]!.expiresAt) - Date.now() <= 7 * 24 * 3600 * 1000 + 5000, 'a not-available request lasts at most a week');
    const waiting = await task(serviceId);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await state(novice)).offers.length, 0, 'below the required skill level');
    assert.equal((await state(expert)).offers.length, 0, 'away and off duty');
    await api.put(`/agents/${expert}/presence`, { presence: 'available' });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await state(expert)).offers.length, 0, 'still off duty');
    await api.put(`/agents/${expert}/services/${serviceId}/profile`, { profile: 'Duty' });
    assert.equal((await offered(expert)).offers[0]?.taskId, waiting.id);
    const decision = (await readTask(waiting.id)).offers[0]!.routing;
    assert.equal(decision.policy, 'skills');
    assert.deepEqual(decision.excluded.find((e) => e.agentId === novice), { agentId: novice, reason: 'skill-below-minimum' });
    assert.deepEqual(decision.excluded.find((e) => e.agentId === unskilled), { agentId: unskilled, reason: 'missing-skill' });
  });

  it("closes a not-available request at its time, switches to the agent's own profile, and refuses bad desk input naming the field, changing nothing", async () => {
    const serviceId = await service();
    const agentId = await agent([serviceId], { profiles: [{ name: 'Backup', onDuty: false }], notAvailableReasons: ['Lunch'] }, false);
    const refused = async (path: string, body: unknown, expected: [number, string]): Promise<void> => {
      const res = await api.put<ErrorBody>(path, body);
      assert.deepEqual([res.status, res.body.error.issues?.[0]?.path ?? res.body.error.code], expected, JSON.stringify(res.body));
    };
    const before = await state(agentId);
    await refused(`/agents/${agentId}/presence`, { presence: 'away', reason: 'lunch', until: new Date(Date.now() - 60_000).toISOString() }, [400, '/until']);
    await refused(`/agents/${agentId}/presence`, { presence: 'away', reason: 'lunch', until: new Date(Date.now() + 8 * 24 * 3600_000).toISOString() }, [400, '/until']);
    await refused(`/agents/${agentId}/presence`, { presence: 'asleep' }, [400, '/presence']);
    await refused(`/agents/${agentId}/presence`, { presence: 'away', reason: 'nap' }, [400, '/reason']);
    await refused(`/agents/${agentId}/services/${serviceId}/profile`, { profile: 'Nap' }, [400, 'AGENT.UNKNOWN_PROFILE']);
    await refused(`/agents/${agentId}/services/no-such-service/profile`, { profile: 'Duty' }, [409, 'AGENT.NOT_MEMBER']);
    assert.deepEqual(await state(agentId), before, 'nothing changed');

    const until = new Date(Date.now() + 1500).toISOString();
    const away = await api.put<AgentState>(`/agents/${agentId}/presence`, { presence: 'away', reason: 'lunch', until });
    assert.deepEqual([away.status, away.body.notAvailableRequests[0]?.reason, away.body.notAvailableRequests[0]?.expiresAt], [200, 'Lunch', until]);
    await eventually(() => state(agentId), (s) => s.notAvailableRequests.length === 0, 5000, 'the request closes at its time');
    assert.equal((await state(agentId)).presence, 'away', 'the presence stays as the agent set it');

    // The agent's own off-duty profile: available, yet offered nothing until back on Duty.
    const backup = await api.put<AgentState>(`/agents/${agentId}/services/${serviceId}/profile`, { profile: 'Backup' });
    assert.equal(backup.body.memberships.find((m) => m.serviceId === serviceId)?.profile, 'Backup');
    assert.equal((await api.put(`/agents/${agentId}/presence`, { presence: 'available' })).status, 200);
    const waiting = await task(serviceId);
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual((await state(agentId)).offers, [], 'off duty in Backup');
    assert.equal((await api.put(`/agents/${agentId}/services/${serviceId}/profile`, { profile: 'Duty' })).status, 200);
    const offer = (await offered(agentId)).offers[0]!;
    assert.equal(offer.taskId, waiting.id);

    // Bad bodies for a chat's ACW and coding, and coding a chat that has ended.
    assert.equal((await api.post(`/agents/${agentId}/offers/${offer.offerId}/accept`)).status, 200);
    await refused(`/agents/${agentId}/tasks/${waiting.id}/coding`, { codes: ['refund'], tags: [], colour: 'red' }, [400, '/colour']);
    assert.equal((await api.post(`/agents/${agentId}/tasks/${waiting.id}/finish`)).status, 200);
    const badExtend = await api.post<ErrorBody>(`/agents/${agentId}/tasks/${waiting.id}/acw/extend`, { seconds: 0 });
    assert.deepEqual([badExtend.status, badExtend.body.error.issues?.[0]?.path], [400, '/seconds']);
    assert.equal((await api.post(`/agents/${agentId}/tasks/${waiting.id}/acw/end`)).status, 200);
    const ended = await api.get<Task>(`/tasks/${waiting.id}`);
    assert.deepEqual([ended.body.state, ended.body.codes], ['closed', []]);
    await refused(`/agents/${agentId}/tasks/${waiting.id}/coding`, { codes: ['late'], tags: [] }, [409, 'TASK.ILLEGAL_TRANSITION']);
    assert.equal((await api.get(`/tasks/${waiting.id}`)).headers.get('etag'), ended.headers.get('etag'), 'the closed chat was not written');
  });

  it('cancels a queued task, and an offered one (withdrawing the offer); a connected task cannot be cancelled', async () => {
    const serviceId = await service();
    const queued = await task(serviceId);
    const cancelled = await api.post<Task>(`/tasks/${queued.id}/cancel`, { reason: 'customer left' });
    assert.equal(cancelled.body.state, 'cancelled');
    assert.equal((await position(queued.id)).position, null);

    const agentId = await agent([serviceId]);
    const offeredTask = await task(serviceId);
    const offer = (await offered(agentId)).offers[0]!;
    assert.equal((await api.post<Task>(`/tasks/${offeredTask.id}/cancel`)).body.state, 'cancelled');
    assert.equal((await state(agentId)).offers.length, 0, 'the offer was withdrawn from the agent');
    const cancelledBefore = await api.get(`/tasks/${offeredTask.id}`);
    assert.equal((await api.post(`/agents/${agentId}/offers/${offer.offerId}/accept`)).status, 409);
    assert.equal((await api.get(`/tasks/${offeredTask.id}`)).headers.get('etag'), cancelledBefore.headers.get('etag'), 'the late accept changed nothing');
    assert.deepEqual((await state(agentId)).tasks, []);

    const connected = await task(serviceId);
    const next = (await offered(agentId)).offers[0]!;
    await api.post(`/agents/${agentId}/offers/${next.offerId}/accept`);
    const refused = await api.post<ErrorBody>(`/tasks/${connected.id}/cancel`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'TASK.ILLEGAL_TRANSITION');
    assert.deepEqual([(await readTask(connected.id)).state, (await state(agentId)).tasks.map((t) => t.taskId)], ['connected', [connected.id]], 'still connected to the agent');
  });

  it('documents every agent desk and task route the functions register in the OpenAPI document, with its method and request body', async () => {
    const doc = (await api.get<{ paths: Record<string, Record<string, { requestBody?: unknown }>> }>('/openapi.json')).body;
    const registered = ['agentDesk.ts', 'tasks.ts'].flatMap((file) =>
      [...readFileSync(join(repoRoot, 'functions', file), 'utf8').matchAll(/methods: \[([^\]]*)\],\s*route: '([^']+)'/g)].flatMap(([, methods, route]) =>
        [...(methods ?? '').matchAll(/'(\w+)'/g)].map(([, method]) => [method!.toLowerCase(), `/api/${route}`] as const),
      ),
    );
    assert.ok(registered.length >= 17, `found the routes (${registered.length})`);
    for (const [method, path] of registered) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
    const withBody = ['put /api/agents/{agentId}/presence', 'put /api/agents/{agentId}/tasks/{taskId}/coding', 'post /api/agents/{agentId}/tasks/{taskId}/acw/extend', 'post /api/services/{serviceId}/tasks', 'patch /api/tasks/{taskId}'];
    for (const key of withBody) {
      const [method, path] = key.split(' ') as [string, string];
      assert.ok(doc.paths[path]?.[method]?.requestBody, `${key} documents its body`);
    }
  });

  it('says in the OpenAPI document what the routes answer: 201 for a new task, its optional body and Idempotency-Key, skill names a validator accepts', async () => {
    type Operation = { requestBody?: { required?: boolean }; parameters?: { in: string; name: string; required?: boolean }[]; responses: Record<string, { content?: unknown }> };
    const doc = (await api.get<{ paths: Record<string, Record<string, Operation>> }>('/openapi.json')).body;
    const create = doc.paths['/api/services/{serviceId}/tasks']!['post']!;
    const serviceId = await service();
    const created = await api.post(`/services/${serviceId}/tasks`, undefined, { 'idempotency-key': 'doc-1' });
    assert.equal(created.status, 201, 'an empty body is taken as {}');
    assert.ok(create.responses['201'], 'documented: 201');
    const retry = await api.post<Task>(`/services/${serviceId}/tasks`, undefined, { 'idempotency-key': 'doc-1' });
    assert.deepEqual([retry.status, retry.body.id], [200, (created.body as Task).id]);
    assert.ok(create.responses['200'], 'documented: 200 for a retry');
    const reused = await api.post<ErrorBody>(`/services/${serviceId}/tasks`, { priority: 60 }, { 'idempotency-key': 'doc-1' });
    assert.deepEqual([reused.status, reused.body.error.code], [422, 'IDEMPOTENCY.KEY_REUSED'], 'the same key for another request is refused');
    assert.ok(create.responses['422'], 'documented: 422');
    assert.equal((await readTask((created.body as Task).id)).priority, (created.body as Task).priority, 'the first request stands');
    assert.equal((await position((created.body as Task).id)).queueLength, 1, 'and nothing else was queued');
    assert.equal(create.requestBody?.required, false, 'documented: the body is optional');
    assert.deepEqual(create.parameters?.filter((p) => p.in === 'header').map((p) => [p.name, p.required ?? false]), [['Idempotency-Key', false]]);
    const unauthorized = await api.call('POST', `/services/${serviceId}/tasks`, {}, { 'x-functions-key': 'wrong' });
    assert.equal(unauthorized.status, 401);
    assert.equal(create.responses['401']?.content, undefined, 'documented without a JSON body, as the host answers');
    const patterns: string[] = [];
    JSON.stringify(doc, (key, value: unknown) => (key === 'pattern' && typeof value === 'string' && patterns.push(value), value));
    const skills = patterns.find((p) => p.includes('\\p{L}'));
    assert.ok(skills, `the skill name pattern is documented (${patterns.join(', ')})`);
    const pattern = new RegExp(skills, 'u');
    assert.ok(pattern.test('french') && pattern.test('Français 2') && !pattern.test('-x'), `skill names match ${pattern.source}`);
  });

  it('answers bad input with the right 4xx and changes nothing', async () => {
    const serviceId = await service({ maxQueueSize: 1 });
    const unknown = await api.post<ErrorBody>('/services/no-such-service/tasks', {});
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'SERVICE.NOT_FOUND']);
    const malformed = await api.post<ErrorBody>(`/services/${serviceId}/tasks`, { priority: 'high', color: 'red' });
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.body.error.issues?.map((i) => i.path).sort(), ['/color', '/priority'], 'each issue names its field');
    assert.equal((await api.post(`/services/${serviceId}/tasks`, '{not json')).status, 400);

    const only = await task(serviceId);
    const full = await api.post<ErrorBody>(`/services/${serviceId}/tasks`, {});
    assert.deepEqual([full.status, full.body.error.code], [409, 'QUEUE.FULL']);
    assert.equal((await position(only.id)).queueLength, 1, 'the refused task was not queued');

    assert.equal((await api.get('/tasks/no-such-task')).status, 404);
    assert.equal((await api.post(`/agents/nobody/offers/${only.id}.offer-1/accept`)).status, 404);
    assert.equal((await api.put('/agents/nobody/presence', { presence: 'available' })).status, 404);
    const badPresence = await api.put<ErrorBody>('/agents/nobody/presence', { presence: 'available', reason: 'x' });
    assert.deepEqual([badPresence.status, badPresence.body.error.issues?.[0]?.path], [400, '/reason']);
    const priorityBefore = (await readTask(only.id)).priority;
    assert.equal((await api.patch(`/tasks/${only.id}`, { priority: 101 })).status, 400);
    assert.equal((await readTask(only.id)).priority, priorityBefore, 'the refused priority changed nothing');

    const agentId = await agent([serviceId]);
    const offer = (await offered(agentId)).offers[0]!;
    const other = await agent([serviceId], {}, false);
    assert.equal((await api.post(`/agents/${other}/offers/${offer.offerId}/accept`)).status, 404, "another agent cannot take someone else's offer");
    assert.deepEqual([(await readTask(only.id)).state, (await state(other)).tasks], ['offered', []], 'the offer is still open to its agent');
    assert.equal((await api.post(`/agents/${agentId}/offers/${offer.offerId}/accept`)).status, 200);
    const notYours = await api.post<ErrorBody>(`/agents/${other}/tasks/${only.id}/finish`);
    assert.deepEqual([notYours.status, notYours.body.error.code], [403, 'TASK.NOT_ASSIGNED_TO_AGENT']);
    for (const [method, path] of [
      ['POST', `/agents/nobody/tasks/${only.id}/finish`],
      ['POST', `/agents/nobody/tasks/${only.id}/acw/end`],
      ['PUT', `/agents/nobody/tasks/${only.id}/coding`],
      ['POST', `/agents/nobody/offers/${offer.offerId}/decline`],
    ] as const) {
      const unknownAgent = await api.call<ErrorBody>(method, path, method === 'PUT' ? { codes: [], tags: [] } : {});
      assert.deepEqual([unknownAgent.status, unknownAgent.body.error.code], [404, 'AGENT.NOT_FOUND'], `${method} ${path}: an agent that does not exist`);
    }
    assert.equal((await readTask(only.id)).state, 'connected', 'nothing changed');
    assert.equal((await api.post(`/agents/${agentId}/tasks/${only.id}/finish`)).status, 200);
    assert.equal((await api.post(`/agents/${agentId}/tasks/${only.id}/acw/end`)).status, 200);
    const closed = await api.get(`/tasks/${only.id}`);
    const closedAccept = await api.post<ErrorBody>(`/agents/${agentId}/offers/${offer.offerId}/accept`);
    assert.deepEqual([closedAccept.status, closedAccept.body.error.code], [409, 'TASK.ILLEGAL_TRANSITION'], 'accepting the offer of a closed task is refused');
    const closedDecline = await api.post<ErrorBody>(`/agents/${agentId}/offers/${offer.offerId}/decline`);
    assert.deepEqual([closedDecline.status, closedDecline.body.error.code], [409, 'OFFER.NOT_OPEN'], 'declining it is refused');
    assert.equal((await api.post(`/agents/${agentId}/tasks/${only.id}/finish`)).status, 200, 'finishing twice is idempotent');
    const after = await api.get(`/tasks/${only.id}`);
    assert.equal(after.headers.get('etag'), closed.headers.get('etag'), 'the closed task was not written');
    assert.deepEqual(after.body, closed.body);
    assert.deepEqual((await state(agentId)).tasks, [], 'the agent holds nothing');
  });

  it('keeps the queue at its maximum under simultaneous creates: the tasks beyond it get 409 QUEUE.FULL, again when sent again with their keys, and none of them waits', async () => {
    const serviceId = await service({ maxQueueSize: 3 });
    const keys = Array.from({ length: 12 }, (_, i) => `full-${i}`);
    const answers = await Promise.all(keys.map((key) => api.post<Task | ErrorBody>(`/services/${serviceId}/tasks`, {}, { 'idempotency-key': key })));
    const created = answers.filter((a) => a.status === 201).map((a) => (a.body as Task).id);
    const refused = answers.filter((a) => a.status === 409);
    assert.ok(refused.every((a) => (a.body as ErrorBody).error.code === 'QUEUE.FULL'), JSON.stringify(refused.map((a) => a.body)));
    assert.equal(created.length + refused.length, 12);
    assert.ok(created.length <= 3, `${created.length} tasks created in a queue of at most 3`);
    const lengths = await Promise.all(created.map(async (id) => (await position(id)).queueLength));
    assert.ok(lengths.every((n) => n === created.length), `queue length ${lengths.join(', ')} for ${created.length} tasks answered 201`);
    // Racing creates may all be refused where some would have fitted (none waits beyond the
    // maximum); one at a time, the queue takes tasks again up to its maximum, and no more.
    for (let waiting = created.length; waiting < 3; waiting++) assert.equal((await position((await task(serviceId)).id)).queueLength, waiting + 1);
    const full = await api.post<ErrorBody>(`/services/${serviceId}/tasks`, {});
    assert.deepEqual([full.status, full.body.error.code], [409, 'QUEUE.FULL']);
    // Sent again with their keys, the created ones answer with their tasks and the refused ones are
    // refused again: never answered with a task cancelled for the full queue.
    for (const [i, key] of keys.entries()) {
      const again = await api.post<Task | ErrorBody>(`/services/${serviceId}/tasks`, {}, { 'idempotency-key': key });
      const first = answers[i]!;
      if (first.status === 201) assert.deepEqual([again.status, (again.body as Task).id, (again.body as Task).state], [200, (first.body as Task).id, 'queued']);
      else assert.deepEqual([again.status, (again.body as ErrorBody).error.code], [409, 'QUEUE.FULL'], JSON.stringify(again.body));
    }
  });

  it('answers a retried create with the task its first attempt created: after IM was turned off and the default priority changed, and when the retry names the default priority the first left out', async () => {
    const serviceId = await service({ defaultPriority: 40 });
    const first = await api.post<Task>(`/services/${serviceId}/tasks`, { parameters: { orderId: 'B-7' } }, { 'idempotency-key': 'retry-1' });
    assert.equal(first.status, 201);
    const explicit = await api.post<Task>(`/services/${serviceId}/tasks`, { priority: 40, parameters: { orderId: 'B-7' } }, { 'idempotency-key': 'retry-1' });
    assert.deepEqual([explicit.status, explicit.body.id], [200, first.body.id], 'priority 40 is what the first request got by leaving it out');
    const other = await api.post<ErrorBody>(`/services/${serviceId}/tasks`, { priority: 41, parameters: { orderId: 'B-7' } }, { 'idempotency-key': 'retry-1' });
    assert.deepEqual([other.status, other.body.error.code], [422, 'IDEMPOTENCY.KEY_REUSED']);
    const current = await api.get<Record<string, unknown>>(`/services/${serviceId}`);
    const { id: _id, createdAt: _c, updatedAt: _u, ...settings } = current.body;
    assert.equal((await api.put(`/services/${serviceId}`, { ...settings, imEnabled: false, defaultPriority: 50 }, { 'if-match': current.headers.get('etag') ?? '' })).status, 200);
    const afterOff = await api.post<Task>(`/services/${serviceId}/tasks`, { parameters: { orderId: 'B-7' } }, { 'idempotency-key': 'retry-1' });
    assert.deepEqual([afterOff.status, afterOff.body.id, afterOff.body.state], [200, first.body.id, 'queued'], 'the retry learns its task is queued, though the default priority changed since');
    for (const blank of ['', '  ']) {
      const refused = await api.post<ErrorBody>(`/services/${serviceId}/tasks`, {}, { 'idempotency-key': blank });
      assert.deepEqual([refused.status, refused.body.error.issues?.[0]?.path], [400, '/headers/idempotency-key'], 'a blank key is refused, not ignored');
    }
    const fresh = await api.post<ErrorBody>(`/services/${serviceId}/tasks`, {}, { 'idempotency-key': 'retry-2' });
    assert.deepEqual([fresh.status, fresh.body.error.code], [409, 'SERVICE.IM_DISABLED'], 'a new request is refused');
    assert.equal((await api.post(`/tasks/${first.body.id}/cancel`, {})).status, 200);
  });

  it('chooses among several eligible agents as each policy says, passing over the unlicensed, busy and offline; a task without a priority gets the service default', async () => {
    type Routing = Task['offers'][number]['routing'];
    const routingOf = async (taskId: string): Promise<Routing> => (await api.get<{ offers: Task['offers'] }>(`/tasks/${taskId}/routing`)).body.offers.at(-1)!.routing;

    // Priority: the member with the highest membership priority among those who can take a chat now.
    const prioritized = await service({ distribution: { policy: 'priority', ronaTimeoutSeconds: 30 }, defaultPriority: 7 });
    const member = (priority: number) => ({ memberships: [{ serviceId: prioritized, priority }] });
    const unlicensed = await agent([], { ...member(9), imLicensed: false });
    const busy = await agent([], member(8));
    assert.equal((await api.put(`/agents/${busy}/presence`, { presence: 'busy', reason: 'team meeting' })).status, 200);
    const offline = await agent([], member(8));
    assert.equal((await api.put(`/agents/${offline}/presence`, { presence: 'offline' })).status, 200);
    assert.deepEqual([(await state(busy)).presence, (await state(offline)).presence], ['busy', 'offline']);
    const low = await agent([], member(1));
    const high = await agent([], member(5));
    const urgent = await task(prioritized);
    assert.equal(urgent.priority, 7, "the service's default priority");
    const offer = (await offered(high)).offers[0]!;
    assert.equal(offer.taskId, urgent.id);
    const routing = await routingOf(urgent.id);
    assert.deepEqual(routing.ranking.map((r) => r.agentId), [high, low], 'only the licensed agents who are available are ranked');
    assert.equal(routing.decidedBy, 'membershipPriority: 5 beats 1');
    for (const passedOver of [unlicensed, busy, offline, low]) assert.deepEqual((await state(passedOver)).offers, [], `${passedOver} is offered nothing`);
    assert.equal((await api.post(`/agents/${high}/offers/${offer.offerId}/accept`)).status, 200);
    assert.deepEqual((await api.get<unknown[]>(`/agents/${high}/offers`)).body, []);
    const held = (await api.get<Agent['tasks']>(`/agents/${high}/tasks`)).body;
    assert.deepEqual(held.map((t) => [t.taskId, t.phase]), [[urgent.id, 'connected']], "the agent's own active tasks");

    // Longest idle: the agent who became available first.
    const idleService = await service();
    const first = await agent([idleService]);
    const second = await agent([idleService]);
    const waiting = await task(idleService);
    assert.equal((await offered(first)).offers[0]?.taskId, waiting.id);
    assert.match((await routingOf(waiting.id)).decidedBy, /^idleSince: /);
    assert.deepEqual((await state(second)).offers, []);
    // An agent ringing or chatting is not idle: with room for two, the first still ranks behind the
    // free agent, whatever their idle times say.
    const busyIdle = await service();
    const roomy = await agent([busyIdle], { imCapacity: 2 });
    const free = await agent([busyIdle]);
    const toRoomy = await task(busyIdle);
    assert.equal((await offered(roomy)).offers[0]?.taskId, toRoomy.id, 'the longest idle first');
    const toFree = await task(busyIdle);
    assert.equal((await offered(free)).offers[0]?.taskId, toFree.id, 'then the agent holding nothing');
    assert.equal((await routingOf(toFree.id)).decidedBy, 'chatsHeld: 0 beats 1');
    assert.equal((await state(roomy)).offers.length, 1);

    // Round robin: never offered first (ties by id), then the one offered longest ago.
    const roundRobin = await service({ distribution: { policy: 'round-robin', ronaTimeoutSeconds: 30 } });
    const pair = [await agent([roundRobin], { imCapacity: 2 }), await agent([roundRobin], { imCapacity: 2 })].sort();
    const one = await task(roundRobin);
    assert.equal((await offered(pair[0]!)).offers[0]?.taskId, one.id);
    const two = await task(roundRobin);
    assert.equal((await offered(pair[1]!)).offers[0]?.taskId, two.id, 'the next chat goes to the other agent, though the first has room');
    assert.match((await routingOf(two.id)).decidedBy, /^lastOfferAt: /);
  });

  it('refuses to extend After Call Work or end it early when the service does not allow it, and changes nothing', async () => {
    const strict = await service({ afterCallWork: { durationSeconds: 60, extendable: false, maxExtensionSeconds: 0, canEndEarly: false } });
    const agentId = await agent([strict]);
    const chat = await task(strict);
    const offer = (await offered(agentId)).offers[0]!;
    assert.equal((await api.post(`/agents/${agentId}/offers/${offer.offerId}/accept`)).status, 200);
    assert.equal((await api.post<Task>(`/agents/${agentId}/tasks/${chat.id}/finish`)).body.state, 'wrap-up');
    const before = await api.get<Task>(`/tasks/${chat.id}`);
    const extend = await api.post<ErrorBody>(`/agents/${agentId}/tasks/${chat.id}/acw/extend`, { seconds: 30 });
    assert.deepEqual([extend.status, extend.body.error.code], [409, 'ACW.NOT_ALLOWED']);
    const end = await api.post<ErrorBody>(`/agents/${agentId}/tasks/${chat.id}/acw/end`);
    assert.deepEqual([end.status, end.body.error.code], [409, 'ACW.NOT_ALLOWED']);
    const after = await api.get<Task>(`/tasks/${chat.id}`);
    assert.equal(after.headers.get('etag'), before.headers.get('etag'), 'the task was not written');
    assert.equal(after.body.acw?.endsAt, before.body.acw?.endsAt);
    assert.deepEqual((await state(agentId)).tasks.map((t) => [t.taskId, t.phase]), [[chat.id, 'wrap-up']], 'the agent still holds the chat in ACW');
  });

  it("a chat's After Call Work follows the rules it was offered under; a change to the service applies to chats offered after it", async () => {
    const serviceId = await service();
    const agentId = await agent([serviceId]);
    const first = await task(serviceId);
    const offer = (await offered(agentId)).offers[0]!;
    assert.equal((await api.post(`/agents/${agentId}/offers/${offer.offerId}/accept`)).status, 200);

    const current = await api.get(`/services/${serviceId}`);
    const noAcw = { durationSeconds: 0, extendable: false, maxExtensionSeconds: 0, canEndEarly: false };
    const replaced = await api.put(
      `/services/${serviceId}`,
      { name: `Test ${serviceId}`, address: `${serviceId}@contoso.example`, distribution: { policy: 'longest-idle', ronaTimeoutSeconds: 30 }, afterCallWork: noAcw },
      { 'if-match': current.headers.get('etag') ?? '' },
    );
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));

    const wrapUp = await api.post<Task>(`/agents/${agentId}/tasks/${first.id}/finish`);
    assert.equal(wrapUp.body.state, 'wrap-up', 'offered with 60 s of ACW: the change does not cut it');
    assert.equal(Date.parse(wrapUp.body.acw!.endsAt) - Date.parse(wrapUp.body.timings.wrapUpAt!), 60_000);
    assert.equal((await api.post<Task>(`/agents/${agentId}/tasks/${first.id}/acw/extend`, { seconds: 30 })).status, 200, 'extendable under the rules it was offered under');
    assert.equal((await api.post<Task>(`/agents/${agentId}/tasks/${first.id}/acw/end`)).body.state, 'closed');

    const second = await task(serviceId);
    const next = (await offered(agentId)).offers[0]!;
    assert.equal(next.taskId, second.id);
    await api.post(`/agents/${agentId}/offers/${next.offerId}/accept`);
    assert.equal((await api.post<Task>(`/agents/${agentId}/tasks/${second.id}/finish`)).body.state, 'closed', 'offered after the change: no ACW');
  });

  it('moves a waiting task up when its priority changes, and estimates waits once the service has history', async () => {
    const serviceId = await service({ afterCallWork: { durationSeconds: 0, extendable: false, maxExtensionSeconds: 0, canEndEarly: true } });
    const a = await task(serviceId, { priority: 10 });
    const b = await task(serviceId, { priority: 10 });
    assert.equal((await position(b.id)).position, 2);
    assert.equal((await api.patch<Task>(`/tasks/${b.id}`, { priority: 20 })).body.priority, 20);
    assert.equal((await position(b.id)).position, 1);
    assert.equal((await position(a.id)).position, 2);

    const agentId = await agent([serviceId]);
    const offer = (await offered(agentId)).offers[0]!;
    assert.equal(offer.taskId, b.id);
    await api.post(`/agents/${agentId}/offers/${offer.offerId}/accept`);
    const closed = await api.post<Task>(`/agents/${agentId}/tasks/${b.id}/finish`);
    assert.equal(closed.body.state, 'closed', 'no ACW: finishing closes the task');
    const c = await task(serviceId, { priority: 0 });
    const estimate = await eventually(() => position(c.id), (p) => p.position !== null && p.estimatedWaitSeconds !== null, 5000, 'an estimate');
    assert.ok(estimate.estimatedWaitSeconds! >= 0);
    // With nobody on duty signed in, there is no estimate to give.
    assert.equal((await api.put(`/agents/${agentId}/presence`, { presence: 'offline' })).status, 200);
    const unstaffed = await position(c.id);
    assert.ok(unstaffed.position !== null, 'still waiting');
    assert.equal(unstaffed.estimatedWaitSeconds, null);
    // An agent without an IM licence is never offered the chat, so signing one in gives no estimate either.
    await agent([serviceId], { imLicensed: false, imCapacity: 5 });
    assert.equal((await position(c.id)).estimatedWaitSeconds, null, 'an unlicensed agent shortens no wait');
  });
});
