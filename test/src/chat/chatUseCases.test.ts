// The chat use cases over in-memory ports: refusals naming their field, what each role reads, what
// the orchestration is told, leaving, direct chats, and the distribution changes chats rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaveChat } from '../../../src/chat/leaveChat';
import { postAgentMessage } from '../../../src/chat/postAgentMessage';
import { postCustomerMessage } from '../../../src/chat/postCustomerMessage';
import { postSupervisorMessage } from '../../../src/chat/postSupervisorMessage';
import { postWorkflowMessage } from '../../../src/chat/postWorkflowMessage';
import { readConversation } from '../../../src/chat/readConversation';
import { startChat, type StartChatRequest } from '../../../src/chat/startChat';
import { DomainError, type DomainErrorCode } from '../../../src/domain/errors';
import type { Service } from '../../../src/domain/service';
import { createTask } from '../../../src/distribution/createTask';
import { acceptOffer, expireOffer } from '../../../src/distribution/offerDecisions';
import { queueTask } from '../../../src/distribution/queueTask';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';
import { createMemoryChat, type MemoryChat } from '../../support/memoryChat';

const site = 'https://www.contoso.example';

async function world(service: Partial<Service> = {}): Promise<MemoryChat> {
  const w = createMemoryChat();
  await w.services.create(makeService('support', { allowedOrigins: [site, 'https://*.contoso.example'], ...service }));
  return w;
}

function request(overrides: Partial<StartChatRequest> = {}): StartChatRequest {
  return { serviceId: 'support', displayName: 'Marie', email: 'marie@example.com', consent: true, origin: site, ...overrides };
}

function refusal(code: DomainErrorCode, pointer?: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof DomainError, String(err));
    assert.equal(err.code, code);
    if (pointer !== undefined) assert.equal(err.details['pointer'], pointer);
    return true;
  };
}

describe('startChat', () => {
  it('refuses without consent, with a malformed email, for an unknown or IM-disabled service, naming the field; nothing is created', async () => {
    const w = await world();
    await w.services.create(makeService('dormant', { imEnabled: false, allowedOrigins: [site] }));
    await assert.rejects(startChat(request({ consent: undefined }), w.workflows, w.chat), refusal('CHAT.CONSENT_REQUIRED', '/consent'));
    await assert.rejects(startChat(request({ consent: false }), w.workflows, w.chat), refusal('CHAT.CONSENT_REQUIRED', '/consent'));
    for (const email of ['marie', 'marie@', '@example.com', 'marie@example', 'ma rie@example.com', 'marie@@example.com']) {
      await assert.rejects(startChat(request({ email }), w.workflows, w.chat), refusal('CHAT.INVALID_EMAIL', '/email'), email);
    }
    await assert.rejects(startChat(request({ serviceId: 'nope' }), w.workflows, w.chat), refusal('SERVICE.NOT_FOUND', '/serviceId'));
    await assert.rejects(startChat(request({ serviceId: 'dormant' }), w.workflows, w.chat), refusal('SERVICE.IM_DISABLED'));
    assert.equal(w.tasks.docs.size, 0);
    assert.equal(w.conversations.headers.size, 0);
  });

  it('never puts the email address into an error', async () => {
    const w = await world();
    await assert.rejects(startChat(request({ email: 'secret-person@nowhere' }), w.workflows, w.chat), (err: unknown) => {
      assert.ok(!JSON.stringify({ message: (err as Error).message, details: (err as DomainError).details }).includes('secret-person'));
      return true;
    });
  });

  it('accepts exact and wildcard-subdomain origins; refuses lookalikes, other schemes or ports, and a missing Origin with 403 naming the origin', async () => {
    const w = await world();
    for (const origin of [site, 'https://shop.contoso.example', 'https://a.b.contoso.example']) {
      await startChat(request({ origin }), w.workflows, w.chat);
    }
    for (const origin of ['https://contoso.example.evil.com', 'https://evilcontoso.example', 'http://www.contoso.example', 'https://www.contoso.example:8443', 'https://contoso.example', 'null']) {
      await assert.rejects(startChat(request({ origin }), w.workflows, w.chat), (err: unknown) => {
        refusal('CHAT.ORIGIN_NOT_ALLOWED')(err);
        assert.equal((err as DomainError).details['origin'], origin);
        assert.ok((err as Error).message.includes(origin), 'the message names the origin');
        return true;
      }, origin);
    }
    await assert.rejects(startChat(request({ origin: undefined }), w.workflows, w.chat), refusal('CHAT.ORIGIN_NOT_ALLOWED'));
  });

  it('without a workflow: the task is queued at once (web channel, customer name and email as parameters) and a round is asked for; no orchestration', async () => {
    const w = await world();
    const started = await startChat(request({ firstMessage: '  Hello, I need help  ' }), w.workflows, w.chat);
    const task = w.tasks.docs.get(started.chatId)?.value;
    assert.equal(task?.state, 'queued');
    assert.equal(started.state, 'queued');
    assert.equal(task?.channel, 'web');
    assert.deepEqual(task?.parameters, { customerName: 'Marie', customerEmail: 'marie@example.com' });
    assert.ok(w.queue.entries.has(`support/${started.chatId}`));
    assert.deepEqual(w.signal.requests, [{ serviceId: 'support', reason: 'task queued' }]);
    assert.deepEqual(w.workflows.started, []);
    const first = await readConversation(started.chatId, { role: 'customer', token: started.customerToken }, w.chat);
    assert.deepEqual(first.messages.map((m) => [m.authorRole, m.nickname, m.text]), [['customer', 'Marie', 'Hello, I need help']]);
  });

  it("with a workflow: the task stays in-workflow, outside the queue, and the orchestration starts with the service's current version", async () => {
    const w = await world({ workflowId: 'welcome' });
    w.workflowVersions.set('support', 'welcome@3');
    const started = await startChat(request(), w.workflows, w.chat);
    assert.equal(w.tasks.docs.get(started.chatId)?.value.state, 'in-workflow');
    assert.equal(w.queue.entries.size, 0);
    assert.deepEqual(w.signal.requests, []);
    assert.deepEqual(w.workflows.started, [{ taskId: started.chatId, serviceId: 'support', workflowVersionId: 'welcome@3' }]);
  });

  it('a full queue refuses the chat with QUEUE.FULL and leaves no waiting task behind', async () => {
    const w = await world({ maxQueueSize: 1 });
    await startChat(request(), w.workflows, w.chat);
    await assert.rejects(startChat(request(), w.workflows, w.chat), refusal('QUEUE.FULL'));
    const states = [...w.tasks.docs.values()].map((t) => t.value.state).sort();
    assert.deepEqual(states, ['cancelled', 'queued']);
  });
});

describe('conversation', () => {
  async function connectedChat() {
    const w = await world();
    await w.agents.create(makeAgent('ada', [duty('support')]));
    const started = await startChat(request(), w.workflows, w.chat);
    const { distribute } = await import('../../../src/distribution/distribute');
    await distribute('support', w.deps);
    const offer = w.tasks.docs.get(started.chatId)?.value.offers[0];
    assert.ok(offer);
    await acceptOffer('ada', offer.offerId, w.deps);
    return { w, started };
  }

  it('each role reads only what it may: VIP for supervisors, INT also for agents, ALL for everyone', async () => {
    const { w, started } = await connectedChat();
    const chatId = started.chatId;
    await postCustomerMessage(chatId, started.customerToken, 'my order is late', w.workflows, w.chat);
    await postAgentMessage('ada', chatId, { text: 'Let me check.' }, w.chat);
    await postAgentMessage('ada', chatId, { text: 'note: VIP customer?', visibility: 'INT' }, w.chat);
    await postSupervisorMessage(chatId, { text: 'offer a voucher' }, w.chat);
    await postWorkflowMessage(chatId, { messageId: 'wf-1', text: 'queue note', visibility: 'INT', kind: 'notice', nickname: 'Bot' }, w.chat);
    const texts = async (reader: Parameters<typeof readConversation>[1]) => (await readConversation(chatId, reader, w.chat)).messages.map((m) => m.text);
    assert.deepEqual(await texts({ role: 'customer', token: started.customerToken }), ['my order is late', 'Let me check.']);
    assert.deepEqual(await texts({ role: 'agent', agentId: 'ada' }), ['my order is late', 'Let me check.', 'note: VIP customer?', 'queue note']);
    assert.deepEqual(await texts({ role: 'supervisor' }), ['my order is late', 'Let me check.', 'note: VIP customer?', 'offer a voucher', 'queue note']);
  });

  it("tells the orchestration of a customer's message by id only, never its text", async () => {
    const { w, started } = await connectedChat();
    const message = await postCustomerMessage(started.chatId, started.customerToken, 'card number 4111', w.workflows, w.chat);
    assert.deepEqual(w.workflows.raised, [{ taskId: started.chatId, event: 'customerMessage', payload: { messageId: message.id } }]);
    assert.equal(w.conversations.headers.get(started.chatId)?.lastCustomerMessageAt, message.postedAt);
  });

  it('only the assigned agent reads and writes; not while the task waits; supervisors write VIP by default', async () => {
    const { w, started } = await connectedChat();
    await w.agents.create(makeAgent('bob', [duty('support')]));
    await assert.rejects(postAgentMessage('bob', started.chatId, { text: 'hi' }, w.chat), refusal('TASK.NOT_ASSIGNED_TO_AGENT'));
    await assert.rejects(readConversation(started.chatId, { role: 'agent', agentId: 'bob' }, w.chat), refusal('TASK.NOT_ASSIGNED_TO_AGENT'));
    await assert.rejects(postAgentMessage('ada', started.chatId, { text: '   ' }, w.chat), refusal('CHAT.INVALID_MESSAGE', '/text'));
    assert.equal((await postSupervisorMessage(started.chatId, { text: 'psst' }, w.chat)).visibility, 'VIP');
    const waiting = await startChat(request(), w.workflows, w.chat);
    await assert.rejects(postAgentMessage('ada', waiting.chatId, { text: 'hi' }, w.chat), refusal('TASK.NOT_ASSIGNED_TO_AGENT'));
  });

  it('workflow messages are idempotent by message id: a retried activity posts once and keeps the first text', async () => {
    const { w, started } = await connectedChat();
    const first = await postWorkflowMessage(started.chatId, { messageId: 'n1.1', text: 'Welcome!', visibility: 'ALL', kind: 'text' }, w.chat);
    const again = await postWorkflowMessage(started.chatId, { messageId: 'n1.1', text: 'Welcome again!', visibility: 'ALL', kind: 'text' }, w.chat);
    assert.deepEqual([first.created, again.created], [true, false]);
    assert.equal(again.message.text, 'Welcome!');
    assert.equal(first.message.nickname, 'Service support', "the service's name when no nickname is given");
    assert.equal(w.conversations.messages.get(started.chatId)?.filter((m) => m.id === 'n1.1').length, 1);
    await assert.rejects(postWorkflowMessage('no-such-chat', { messageId: 'x', text: 'hi', visibility: 'ALL', kind: 'text' }, w.chat), refusal('CHAT.NOT_FOUND'));
  });
});

describe('leaveChat', () => {
  it('while queued: the task is abandoned and leaves the queue, the session is recorded, the workflow told, the token closed; leaving again is fine', async () => {
    const w = await world();
    const started = await startChat(request(), w.workflows, w.chat);
    const left = await leaveChat(started.chatId, started.customerToken, w.workflows, w.chat);
    assert.equal(left.taskState, 'abandoned');
    assert.equal(w.tasks.docs.get(started.chatId)?.value.state, 'abandoned');
    assert.equal(w.queue.entries.size, 0);
    assert.equal(w.sessions.records.get(started.chatId)?.outcome, 'customer left');
    assert.deepEqual(w.workflows.raised.map((r) => r.event), ['customerLeft']);
    const header = w.conversations.headers.get(started.chatId);
    assert.deepEqual([header?.customerOnline, header?.status], [false, 'ended']);
    await assert.rejects(readConversation(started.chatId, { role: 'customer', token: started.customerToken }, w.chat), refusal('CHAT.UNAUTHORIZED'));
    await assert.rejects(postCustomerMessage(started.chatId, started.customerToken, 'hello?', w.workflows, w.chat), refusal('CHAT.UNAUTHORIZED'));
    assert.equal((await leaveChat(started.chatId, started.customerToken, w.workflows, w.chat)).taskState, 'abandoned');
  });

  it('while connected: the task stays with the agent, who sees that the customer left', async () => {
    const w = await world();
    await w.agents.create(makeAgent('ada', [duty('support')]));
    const started = await startChat(request(), w.workflows, w.chat);
    const { distribute } = await import('../../../src/distribution/distribute');
    await distribute('support', w.deps);
    await acceptOffer('ada', w.tasks.docs.get(started.chatId)!.value.offers[0]!.offerId, w.deps);
    assert.equal((await leaveChat(started.chatId, started.customerToken, w.workflows, w.chat)).taskState, 'connected');
    const view = await readConversation(started.chatId, { role: 'agent', agentId: 'ada' }, w.chat);
    assert.equal(view.customerOnline, false);
    assert.deepEqual(view.messages.map((m) => [m.authorRole, m.kind, m.text]), [['system', 'notice', 'Marie left the chat.']]);
  });
});

describe('direct chats', () => {
  it('are offered to the agent at once: no queue entry, no round, no workflow; RONA falls back to the service queue at the same place', async () => {
    const w = await world({ workflowId: 'welcome' });
    w.workflowVersions.set('support', 'welcome@1');
    await w.agents.create(makeAgent('ada', [duty('support')]));
    const started = await startChat(request({ serviceId: undefined, agentId: 'ada' }), w.workflows, w.chat);
    assert.equal(started.state, 'offered');
    assert.equal(started.directAgentId, 'ada');
    const task = w.tasks.docs.get(started.chatId)!.value;
    assert.equal(task.offers[0]?.agentId, 'ada');
    assert.equal(task.parameters['directAgentId'], 'ada');
    assert.equal(w.queue.entries.size, 0);
    assert.deepEqual(w.signal.requests, []);
    assert.deepEqual(w.workflows.started, []);
    assert.equal(w.agents.docs.get('ada')?.value.offers.length, 1);
    assert.equal(w.timeouts.scheduled.size, 1, 'the ring-out timer runs');

    await expireOffer(task.offers[0]!.offerId, w.deps);
    assert.equal(w.tasks.docs.get(started.chatId)?.value.state, 'queued');
    assert.equal(w.queue.entries.get(`support/${started.chatId}`)?.entry.enqueueOrder, task.enqueueOrder);
    assert.ok(w.agents.docs.get('ada')?.value.rona, 'the agent went into RONA');
  });

  it('are refused with 409 AGENT.NOT_AVAILABLE when the agent cannot take them, and need a service the agent belongs to', async () => {
    const w = await world();
    await w.services.create(makeService('sales', { allowedOrigins: [site] }));
    await w.agents.create(makeAgent('ada', [duty('support')], { presence: 'away' }));
    await assert.rejects(startChat(request({ serviceId: undefined, agentId: 'ada' }), w.workflows, w.chat), refusal('AGENT.NOT_AVAILABLE'));
    assert.equal(w.tasks.docs.size, 0);
    await assert.rejects(startChat(request({ serviceId: 'sales', agentId: 'ada' }), w.workflows, w.chat), refusal('AGENT.NOT_MEMBER', '/serviceId'));
    await assert.rejects(startChat(request({ serviceId: undefined, agentId: 'nobody' }), w.workflows, w.chat), refusal('AGENT.NOT_FOUND', '/agentId'));
  });
});

describe('distribution for chats', () => {
  it("createTask with initialState in-workflow: no queue entry, no round, no queue-size check; queueTask queues it once", async () => {
    const w = await world({ maxQueueSize: 1 });
    await createTask({ serviceId: 'support', channel: 'external' }, w.deps);
    const { task } = await createTask({ serviceId: 'support', channel: 'web', initialState: 'in-workflow' }, w.deps);
    assert.equal(task.state, 'in-workflow');
    assert.equal(task.timings.queuedAt, null);
    assert.equal(w.queue.entries.size, 1);
    assert.equal(w.signal.requests.length, 1);
    await assert.rejects(queueTask(task.id, w.deps), refusal('QUEUE.FULL'));
    await w.queue.remove('support', [...w.queue.entries.values()][0]!.entry.taskId);
    w.clock.advance(5000);
    const queued = await queueTask(task.id, w.deps);
    assert.equal(queued.state, 'queued');
    assert.equal(queued.timings.queuedAt, w.clock.now().toISOString());
    assert.ok(queued.enqueueOrder > task.enqueueOrder, 'ordered by its arrival in the queue');
    assert.equal((await queueTask(task.id, w.deps)).state, 'queued', 'repeating it is harmless');
    assert.equal(w.queue.entries.size, 1);
  });
});
