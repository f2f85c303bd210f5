// Web chats end to end through devhost: the widget's anonymous start checked against the service's
// allowed origins, the customer token, what customers, agents and supervisors each read and write,
// a chat queued and connected to an agent, a customer leaving while queued, and a direct chat.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Task } from '../../src/domain/task';
import { ApiClient, eventually } from '../support/apiClient';
import type { DevhostProcess } from '../support/devhost';
import { startSwitchboard } from '../support/switchboard';

type ErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[]; details?: Record<string, unknown> } };
type Started = { chatId: string; customerToken: string; expiresAt: string; serviceId: string; directAgentId: string | null; state: string };
type Message = { id: string; authorRole: string; nickname: string; text: string; visibility: string; kind: string };
type Conversation = { chatId: string; status: string; customerOnline: boolean; taskState: string; messages: Message[] };
type AgentState = { offers: { offerId: string; taskId: string }[] };

const site = 'https://www.contoso.example';
const masterKey = 'local-master-key';

let devhost: DevhostProcess;
let api: ApiClient;
let supervisor: ApiClient;
let serial = 0;

before(async () => {
  devhost = await startSwitchboard();
  api = new ApiClient(devhost.baseUrl);
  supervisor = new ApiClient(devhost.baseUrl, masterKey);
});
after(async () => devhost.stop());

/** The widget's calls: no function key; the Origin header and the customer token when given. */
async function widget<T>(method: string, path: string, options: { body?: unknown; origin?: string; token?: string } = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.origin !== undefined) headers['origin'] = options.origin;
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  const res = await fetch(`${devhost.baseUrl}/api${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

async function service(settings: Record<string, unknown> = {}): Promise<string> {
  const id = `chat-svc-${++serial}-${Date.now().toString(36)}`;
  const res = await api.post('/services', { id, name: `Chat ${id}`, address: `${id}@contoso.example`, distribution: { policy: 'longest-idle', ronaTimeoutSeconds: 30 }, allowedOrigins: [site, 'https://*.shop.contoso.example'], ...settings });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return id;
}

async function agent(serviceId: string, available = true): Promise<string> {
  const id = `chat-agent-${++serial}-${Date.now().toString(36)}`;
  const res = await api.post('/agents', { id, displayName: `Agent ${serial}`, email: `${id}@contoso.example`, imCapacity: 2, memberships: [{ serviceId }] });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  if (available) assert.equal((await api.put(`/agents/${id}/presence`, { presence: 'available' })).status, 200);
  return id;
}

const customer = { displayName: 'Marie', email: 'marie@example.com', consent: true };

async function start(body: Record<string, unknown>, origin = site): Promise<Started> {
  const res = await widget<Started>('POST', '/chats', { body: { ...customer, ...body }, origin });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

const texts = (conversation: Conversation): string[] => conversation.messages.map((m) => m.text);
const readTask = async (taskId: string): Promise<Task> => (await api.get<Task>(`/tasks/${taskId}`)).body;
const offerFor = (agentId: string, taskId: string) =>
  eventually(() => api.get<AgentState>(`/agents/${agentId}/state`).then((r) => r.body), (s) => s.offers.some((o) => o.taskId === taskId), 10_000, `an offer of ${taskId} to ${agentId}`).then((s) => s.offers.find((o) => o.taskId === taskId)!);

describe('web chats through devhost', () => {
  it('refuses a start without consent, with a bad email, for an unknown or IM-disabled service, or from an origin not on the list', async () => {
    const serviceId = await service();
    const dormant = await service({ imEnabled: false });
    const refused = async (body: Record<string, unknown>, origin: string | undefined, status: number, code: string, pointer?: string) => {
      const res = await widget<ErrorBody>('POST', '/chats', { body: { ...customer, serviceId, ...body }, ...(origin !== undefined ? { origin } : {}) });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error.code, code);
      if (pointer) assert.deepEqual(res.body.error.issues?.map((i) => i.path), [pointer]);
      return res.body;
    };
    await refused({ consent: undefined }, site, 400, 'CHAT.CONSENT_REQUIRED', '/consent');
    await refused({ consent: false }, site, 400, 'CHAT.CONSENT_REQUIRED', '/consent');
    const bad = await refused({ email: 'marie@' }, site, 400, 'CHAT.INVALID_EMAIL', '/email');
    assert.ok(!JSON.stringify(bad).includes('marie@'), 'the answer does not repeat the address');
    await refused({ email: undefined }, site, 400, 'VALIDATION', '/email');
    await refused({ serviceId: 'no-such-service' }, site, 404, 'SERVICE.NOT_FOUND');
    await refused({ serviceId: dormant }, site, 409, 'SERVICE.IM_DISABLED');
    for (const origin of ['https://evil.example', 'https://www.contoso.example.evil.com', 'http://www.contoso.example', 'https://shop.contoso.example']) {
      const body = await refused({}, origin, 403, 'CHAT.ORIGIN_NOT_ALLOWED');
      assert.ok(body.error.message.includes(origin), `the answer names ${origin}`);
    }
    await refused({}, undefined, 403, 'CHAT.ORIGIN_NOT_ALLOWED');
    assert.equal((await widget('POST', '/chats', { body: { ...customer, serviceId, unknown: 1 }, origin: site })).status, 400);
    // A subdomain under the wildcard is welcome.
    assert.equal((await start({ serviceId }, 'https://eu.shop.contoso.example')).state, 'queued');
  });

  it('a chat of a service without a workflow is queued, reaches an available agent who accepts, and they exchange messages; INT and VIP stay in the contact center', async () => {
    const serviceId = await service();
    const chat = await start({ serviceId, firstMessage: 'Hello, my parcel is late' });
    assert.equal(chat.state, 'queued');
    assert.equal((await readTask(chat.chatId)).channel, 'web');

    const posted = await widget<Message>('POST', `/chats/${chat.chatId}/messages`, { body: { text: 'Order A-1001' }, token: chat.customerToken });
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    assert.deepEqual([posted.body.authorRole, posted.body.nickname, posted.body.visibility], ['customer', 'Marie', 'ALL']);

    const ada = await agent(serviceId);
    const offer = await offerFor(ada, chat.chatId);
    const preview = await api.get<Conversation>(`/agents/${ada}/tasks/${chat.chatId}/messages`);
    assert.equal(preview.status, 200, 'the agent offered the chat may read it before accepting');
    assert.equal((await api.post(`/agents/${ada}/tasks/${chat.chatId}/messages`, { text: 'too early' })).status, 403, 'but not write into it');
    assert.equal((await api.post(`/agents/${ada}/offers/${offer.offerId}/accept`)).status, 200);

    assert.equal((await api.post<Message>(`/agents/${ada}/tasks/${chat.chatId}/messages`, { text: 'Hi Marie, let me check.' })).status, 201);
    assert.equal((await api.post(`/agents/${ada}/tasks/${chat.chatId}/messages`, { text: 'Supervisor: refund allowed?', visibility: 'INT' })).status, 201);
    assert.equal((await api.post(`/agents/${ada}/tasks/${chat.chatId}/messages`, { text: 'x', visibility: 'VIP' })).status, 400, 'agents cannot write VIP');
    const vip = await supervisor.post<Message>(`/supervisor/tasks/${chat.chatId}/messages`, { text: 'Give her the voucher.' });
    assert.equal(vip.status, 201, JSON.stringify(vip.body));
    assert.equal(vip.body.visibility, 'VIP');
    assert.equal((await supervisor.post(`/supervisor/tasks/${chat.chatId}/messages`, { text: 'Refund approved.', visibility: 'INT' })).status, 201);
    assert.equal((await api.post(`/supervisor/tasks/${chat.chatId}/messages`, { text: 'no' })).status, 401, 'a function key is not an admin key');
    assert.equal((await widget<Message>('POST', `/chats/${chat.chatId}/messages`, { body: { text: 'Thanks!' }, token: chat.customerToken })).status, 201);

    const seenByCustomer = await widget<Conversation>('GET', `/chats/${chat.chatId}/messages`, { token: chat.customerToken });
    assert.equal(seenByCustomer.status, 200);
    assert.deepEqual(texts(seenByCustomer.body), ['Hello, my parcel is late', 'Order A-1001', 'Hi Marie, let me check.', 'Thanks!']);
    assert.ok(seenByCustomer.body.messages.every((m) => m.visibility === 'ALL'));
    const seenByAgent = (await api.get<Conversation>(`/agents/${ada}/tasks/${chat.chatId}/messages`)).body;
    assert.deepEqual(texts(seenByAgent), ['Hello, my parcel is late', 'Order A-1001', 'Hi Marie, let me check.', 'Supervisor: refund allowed?', 'Refund approved.', 'Thanks!']);
    const seenBySupervisor = (await supervisor.get<Conversation>(`/supervisor/tasks/${chat.chatId}/messages`)).body;
    assert.deepEqual(texts(seenBySupervisor), ['Hello, my parcel is late', 'Order A-1001', 'Hi Marie, let me check.', 'Supervisor: refund allowed?', 'Give her the voucher.', 'Refund approved.', 'Thanks!']);

    const bob = await agent(serviceId);
    assert.equal((await api.get(`/agents/${bob}/tasks/${chat.chatId}/messages`)).status, 403, 'another agent');
    assert.equal((await api.post(`/agents/${bob}/tasks/${chat.chatId}/messages`, { text: 'hi' })).status, 403);
  });

  it('answers 401 to a missing, malformed or other chat\'s token, on reading, posting and leaving', async () => {
    const serviceId = await service();
    const one = await start({ serviceId });
    const two = await start({ serviceId });
    for (const token of [undefined, 'garbage', two.customerToken, `${one.chatId}.${two.customerToken.split('.')[1]}`]) {
      assert.equal((await widget('GET', `/chats/${one.chatId}/messages`, token !== undefined ? { token } : {})).status, 401, `GET with ${token}`);
      assert.equal((await widget('POST', `/chats/${one.chatId}/messages`, { body: { text: 'hi' }, ...(token !== undefined ? { token } : {}) })).status, 401, `POST with ${token}`);
      assert.equal((await widget('POST', `/chats/${one.chatId}/leave`, token !== undefined ? { token } : {})).status, 401, `leave with ${token}`);
    }
    assert.equal((await widget('GET', `/chats/${one.chatId}/messages`, { token: one.customerToken })).status, 200);
  });

  it('a customer who leaves while queued abandons the task: out of the queue, token closed', async () => {
    const serviceId = await service();
    const chat = await start({ serviceId, firstMessage: 'anyone?' });
    const left = await widget<{ taskState: string }>('POST', `/chats/${chat.chatId}/leave`, { token: chat.customerToken });
    assert.equal(left.status, 200, JSON.stringify(left.body));
    assert.equal(left.body.taskState, 'abandoned');
    const task = await readTask(chat.chatId);
    assert.deepEqual([task.state, task.outcome], ['abandoned', 'customer left']);
    assert.equal((await api.get<{ position: number | null }>(`/tasks/${chat.chatId}/position`)).body.position, null);
    assert.equal((await widget('GET', `/chats/${chat.chatId}/messages`, { token: chat.customerToken })).status, 401, 'the token closed');
    const seen = (await supervisor.get<Conversation>(`/supervisor/tasks/${chat.chatId}/messages`)).body;
    assert.deepEqual([seen.status, seen.customerOnline], ['ended', false]);
    // An agent who becomes available gets nothing: the abandoned chat is gone from the queue.
    const ada = await agent(serviceId);
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual((await api.get<AgentState>(`/agents/${ada}/state`)).body.offers, []);
  });

  it('a direct chat is offered to that agent without a queue; the agent accepts and they chat', async () => {
    const serviceId = await service();
    const ada = await agent(serviceId);
    const away = await agent(serviceId, false);
    const refused = await widget<ErrorBody>('POST', '/chats', { body: { ...customer, agentId: away }, origin: site });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'AGENT.NOT_AVAILABLE');

    const chat = await start({ agentId: ada, firstMessage: 'Hi Ada, it is Marie again' });
    assert.deepEqual([chat.state, chat.directAgentId, chat.serviceId], ['offered', ada, serviceId]);
    assert.equal((await api.get<{ position: number | null; queueLength: number }>(`/tasks/${chat.chatId}/position`)).body.queueLength, 0, 'not in the queue');
    const offer = await offerFor(ada, chat.chatId);
    assert.equal((await api.post(`/agents/${ada}/offers/${offer.offerId}/accept`)).status, 200);
    assert.equal((await api.post(`/agents/${ada}/tasks/${chat.chatId}/messages`, { text: 'Hello Marie!' })).status, 201);
    const seen = await widget<Conversation>('GET', `/chats/${chat.chatId}/messages`, { token: chat.customerToken });
    assert.deepEqual(texts(seen.body), ['Hi Ada, it is Marie again', 'Hello Marie!']);
  });

  it('lists the chat endpoints in the OpenAPI document', async () => {
    const doc = (await api.get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json')).body;
    for (const path of ['/api/chats', '/api/chats/{chatId}/messages', '/api/chats/{chatId}/leave', '/api/agents/{agentId}/tasks/{taskId}/messages', '/api/supervisor/tasks/{taskId}/messages']) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    assert.deepEqual(Object.keys(doc.paths['/api/chats/{chatId}/messages'] ?? {}).sort(), ['get', 'post']);
  });
});
