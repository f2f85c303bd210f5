// Chat workflows end to end through devhost: a chat started over HTTP runs its service's workflow
// as a Durable orchestration; each activity is checked by what it does (messages the customer
// sees, parameters saved, exits taken, queues entered, requests made, tasks ended).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import type { Task } from '../../src/domain/task';
import { ApiClient, eventually } from '../support/apiClient';
import type { DevhostProcess } from '../support/devhost';
import { startSwitchboard } from '../support/switchboard';

const origin = 'https://shop.contoso.example';

interface Message {
  id: string;
  authorRole: string;
  text: string;
  kind: string;
  visibility: string;
}

let devhost: DevhostProcess;
let api: ApiClient;
let webServer: Server;
const webRequests: { url: string; idempotencyKey: string | undefined; body: string }[] = [];
let webBase = '';
let serial = 0;

before(async () => {
  devhost = await startSwitchboard();
  api = new ApiClient(devhost.baseUrl);
  webServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      webRequests.push({ url: req.url ?? '', idempotencyKey: req.headers['idempotency-key'] as string | undefined, body });
      if (req.url?.startsWith('/orders/A-')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ order: { status: 'shipped', carrier: 'PostNord' } }));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => webServer.listen(0, '127.0.0.1', r));
  webBase = `http://127.0.0.1:${(webServer.address() as AddressInfo).port}`;
});
after(async () => {
  // Either may be missing when before() failed: its error is the one to see.
  webServer?.close();
  await devhost?.stop();
});

const unique = (prefix: string): string => `${prefix}-${++serial}-${Date.now().toString(36)}`;

async function workflow(start: string, nodes: unknown[]): Promise<string> {
  const id = unique('wf');
  const res = await api.post('/workflows', { id, name: id, modality: 'IM', start, nodes });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return id;
}

async function service(workflowId: string | null, extra: Record<string, unknown> = {}): Promise<string> {
  const id = unique('svc');
  const res = await api.post('/services', { id, name: id, address: `${id}@contoso.example`, distribution: { policy: 'longest-idle' }, workflowId, allowedOrigins: [origin], ...extra });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return id;
}

interface Chat {
  chatId: string;
  token: string;
  messages(): Promise<Message[]>;
  say(text: string): Promise<void>;
  task(): Promise<Task>;
}

async function startChat(serviceId: string, name = 'Ann'): Promise<Chat> {
  const res = await api.call<{ chatId: string; customerToken: string }>('POST', '/chats', { serviceId, displayName: name, email: 'ann@contoso.example', consent: true }, { origin });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const { chatId, customerToken } = res.body;
  const auth = { authorization: `Bearer ${customerToken}` };
  return {
    chatId,
    token: customerToken,
    messages: async () => (await api.call<{ messages: Message[] }>('GET', `/chats/${chatId}/messages`, undefined, auth)).body.messages,
    say: async (text) => assert.equal((await api.call('POST', `/chats/${chatId}/messages`, { text }, auth)).status, 201),
    task: async () => (await api.get<Task>(`/tasks/${chatId}`)).body,
  };
}

const texts = (messages: Message[]): string[] => messages.filter((m) => m.authorRole === 'workflow').map((m) => m.text);
const seen = (chat: Chat, text: string | RegExp, timeoutMs = 10_000): Promise<Message[]> =>
  eventually(chat.messages, (ms) => texts(ms).some((t) => (typeof text === 'string' ? t === text : text.test(t))), timeoutMs, `the customer sees ${String(text)}`);
const taskWhere = (chat: Chat, accept: (task: Task) => boolean, what: string, timeoutMs = 10_000): Promise<Task> => eventually(chat.task, accept, timeoutMs, what);

describe('chat workflows through devhost', () => {
  it('greets, collects information, checks it, calls a web service, queues, and connects the chat to an agent who talks with the customer', async () => {
    const wf = await workflow('accept', [
      { id: 'accept', settings: { type: 'Accept' }, exits: { next: 'hello' } },
      { id: 'hello', settings: { type: 'Message', text: 'Hello {{customerName}}, welcome!', visibility: 'ALL', messageType: 'text' }, exits: { next: 'ask' } },
      { id: 'ask', settings: { type: 'CollectInformation', prompt: 'Your order number?', parameter: 'orderId', timeoutSeconds: 30 }, exits: { next: 'check', timeout: 'bye' } },
      { id: 'check', settings: { type: 'CheckParameter', conditions: [{ parameter: 'orderId', operator: 'matches', value: '^A-\\d+$', exit: 'known' }] }, exits: { known: 'lookup', else: 'unknown' } },
      { id: 'unknown', settings: { type: 'Message', text: 'We could not read {{orderId}}.', visibility: 'ALL', messageType: 'text' }, exits: { next: 'queue' } },
      {
        id: 'lookup',
        settings: { type: 'WebRequest', method: 'GET', url: `${webBase}/orders/{{orderId}}`, timeoutSeconds: 5, saveResponse: [{ field: 'order.status', parameter: 'orderStatus' }] },
        exits: { success: 'status', failure: 'queue' },
      },
      { id: 'status', settings: { type: 'Message', text: 'Order {{orderId}} is {{orderStatus}}.', visibility: 'ALL', messageType: 'text' }, exits: { next: 'internal' } },
      { id: 'internal', settings: { type: 'Message', text: 'Customer asked about {{orderId}}', visibility: 'INT', nickname: 'Bot', messageType: 'notice' }, exits: { next: 'position' } },
      { id: 'position', settings: { type: 'GetQueuePosition', postToChat: true }, exits: { next: 'queue' } },
      { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 60 }, exits: { timeout: 'bye', queueFull: 'bye' } },
      { id: 'bye', settings: { type: 'Disconnect', closingMessage: 'Goodbye' }, exits: {} },
    ]);
    const serviceId = await service(wf);
    const chat = await startChat(serviceId, 'Ann');
    await seen(chat, 'Your order number?');
    assert.deepEqual(texts(await chat.messages()), ['Hello Ann, welcome!', 'Your order number?']);
    assert.ok((await chat.task()).parameters['acceptedAt'], 'Accept recorded');

    await chat.say('A-1001');
    await seen(chat, 'Order A-1001 is shipped.');
    const request = webRequests.find((r) => r.url === '/orders/A-1001');
    assert.ok(request, 'the Web Request reached the local server with the templated URL');
    assert.match(request.idempotencyKey ?? '', new RegExp(`^${chat.chatId}\\.wf-\\d+$`), 'keyed so a retried request can be recognised');
    const queued = await taskWhere(chat, (t) => t.state === 'queued', 'queued');
    assert.equal(queued.parameters['orderId'], 'A-1001');
    assert.equal(queued.parameters['orderStatus'], 'shipped');
    assert.ok(!texts(await chat.messages()).includes('Customer asked about A-1001'), 'the customer does not see INT messages');

    const agentId = unique('agent');
    assert.equal((await api.post('/agents', { id: agentId, displayName: 'Bo', email: `${agentId}@contoso.example`, memberships: [{ serviceId }] })).status, 201);
    await api.put(`/agents/${agentId}/presence`, { presence: 'available' });
    const offer = (await eventually(() => api.get<{ offerId: string; taskId: string }[]>(`/agents/${agentId}/offers`), (r) => r.body.length > 0, 10_000, 'an offer')).body[0]!;
    assert.equal(offer.taskId, chat.chatId);
    assert.equal((await api.post(`/agents/${agentId}/offers/${offer.offerId}/accept`)).status, 200);
    assert.equal((await chat.task()).state, 'connected');

    const agentView = await api.get<{ messages: Message[] }>(`/agents/${agentId}/tasks/${chat.chatId}/messages`);
    assert.ok(agentView.body.messages.some((m) => m.text === 'Customer asked about A-1001' && m.visibility === 'INT'), 'the agent sees INT messages');
    assert.equal((await api.post(`/agents/${agentId}/tasks/${chat.chatId}/messages`, { text: 'Hi Ann, I can help.' })).status, 201);
    await eventually(chat.messages, (ms) => ms.some((m) => m.authorRole === 'agent' && m.text === 'Hi Ann, I can help.'), 5000, 'the customer sees the agent');
    await chat.say('Thanks!');
    const agentSees = await api.get<{ messages: Message[] }>(`/agents/${agentId}/tasks/${chat.chatId}/messages`);
    assert.ok(agentSees.body.messages.some((m) => m.authorRole === 'customer' && m.text === 'Thanks!'));
    const status = await eventually(
      async () => (await (await fetch(`${devhost.baseUrl}/runtime/webhooks/durabletask/instances/${chat.chatId}?code=local-master-key`)).json()) as { runtimeStatus: string; output: string },
      (s) => s.runtimeStatus === 'Completed',
      5000,
      'the workflow completed as soon as the agent accepted (taskConnected), well before its 60 s queue timeout',
    );
    assert.equal(status.output, 'connected');
    assert.ok(!texts(await chat.messages()).includes('Goodbye'), 'the connected chat is not disconnected by the workflow');
  });

  it('offers a menu, re-asks on a reply it cannot match, and transfers to another service whose workflow then runs', async () => {
    const billingWf = await workflow('welcome', [
      { id: 'welcome', settings: { type: 'Message', text: 'Billing here, {{customerName}}.', visibility: 'ALL', messageType: 'text' }, exits: { next: 'queue' } },
      { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 60 }, exits: { timeout: 'end', queueFull: 'end' } },
      { id: 'end', settings: { type: 'Disconnect' }, exits: {} },
    ]);
    const billing = await service(billingWf);
    const wf = await workflow('menu', [
      {
        id: 'menu',
        settings: { type: 'InputCustomer', prompt: 'What can we do for you?', options: [{ key: 'sales', label: 'Buy something', exit: 'sales' }, { key: 'billing', label: 'An invoice', exit: 'billing' }], retries: 1, timeoutSeconds: 30 },
        exits: { sales: 'salesMsg', billing: 'transfer', noMatch: 'bye', timeout: 'bye' },
      },
      { id: 'salesMsg', settings: { type: 'Message', text: 'Sales it is.', visibility: 'ALL', messageType: 'text' }, exits: { next: 'bye' } },
      { id: 'transfer', settings: { type: 'Transfer', serviceId: billing }, exits: {} },
      { id: 'bye', settings: { type: 'Disconnect', closingMessage: 'Goodbye' }, exits: {} },
    ]);
    const front = await service(wf);
    const chat = await startChat(front, 'Cy');
    await seen(chat, /^What can we do for you\?\n1\. Buy something\n2\. An invoice$/);
    await chat.say('something else');
    await seen(chat, /^Sorry, please choose one of the options\./);
    await chat.say('2');
    await seen(chat, 'Billing here, Cy.');
    const task = await taskWhere(chat, (t) => t.state === 'queued' && t.serviceId === billing, 'queued in billing');
    assert.deepEqual(task.callFlow.map((s) => [s.serviceId, s.reason]), [[front, 'created'], [billing, 'transferred']]);
    assert.ok(task.callFlow[0]?.leftAt, 'the first service step is closed');
    const position = await api.get<{ serviceId: string; position: number }>(`/tasks/${chat.chatId}/position`);
    assert.deepEqual([position.body.serviceId, position.body.position], [billing, 1]);
  });

  it('evaluates opening hours in the calendar’s time zone, with holidays across the date line', async () => {
    const allDay = [{ from: '00:00', to: '24:00' }];
    const week = { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay };
    // Kiritimati (UTC+14) and Pago Pago (UTC-11) never share a date: a holiday on Kiritimati's today is not Pago Pago's.
    const kiritimatiToday = DateTime.now().setZone('Pacific/Kiritimati').toISODate() ?? '';
    const calendar = async (timeZone: string, weekly: unknown, holidays = [{ date: kiritimatiToday, name: 'Test day', annual: false }]): Promise<string> => {
      const id = unique('cal');
      const res = await api.post('/calendars', { id, name: id, timeZone, weekly, holidays, specialDays: [] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return id;
    };
    const holidayCal = await calendar('Pacific/Kiritimati', week);
    const openCal = await calendar('Pacific/Pago_Pago', week);
    // No holiday here: Zurich shares Kiritimati's date for an hour each day (from 23:00 UTC in winter).
    const closedCal = await calendar('Europe/Zurich', { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] }, []);
    const say = (id: string, text: string, next: string) => ({ id, settings: { type: 'Message', text, visibility: 'ALL', messageType: 'text' }, exits: { next } });
    const check = (id: string, calendarId: string, prefix: string, next: string) => [
      { id, settings: { type: 'CheckOpeningHours', calendarId }, exits: { open: `${id}-open`, closed: `${id}-closed`, holiday: `${id}-holiday` } },
      say(`${id}-open`, `${prefix}: open`, next),
      say(`${id}-closed`, `${prefix}: closed`, next),
      say(`${id}-holiday`, `${prefix}: holiday`, next),
    ];
    const wf = await workflow('kiritimati', [
      ...check('kiritimati', holidayCal, 'Kiritimati', 'pago'),
      ...check('pago', openCal, 'Pago Pago', 'zurich'),
      ...check('zurich', closedCal, 'Zurich', 'end'),
      { id: 'end', settings: { type: 'Disconnect' }, exits: {} },
    ]);
    const chat = await startChat(await service(wf));
    await seen(chat, /^Zurich: /);
    assert.deepEqual(texts(await chat.messages()), ['Kiritimati: holiday', 'Pago Pago: open', 'Zurich: closed']);
  });

  it('ends the task as abandoned when the customer leaves while it is queued, and the workflow stops', async () => {
    const wf = await workflow('queue', [
      { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 2 }, exits: { timeout: 'pos', queueFull: 'end' } },
      { id: 'pos', settings: { type: 'GetQueuePosition', postToChat: true }, exits: { next: 'wait' } },
      { id: 'wait', settings: { type: 'Delay', seconds: 1 }, exits: { next: 'queue' } },
      { id: 'end', settings: { type: 'Disconnect' }, exits: {} },
    ]);
    const chat = await startChat(await service(wf));
    await seen(chat, /^You are number 1 in the queue/, 15_000);
    const auth = { authorization: `Bearer ${chat.token}` };
    assert.equal((await api.call('POST', `/chats/${chat.chatId}/leave`, {}, auth)).status, 200);
    const ended = await taskWhere(chat, (t) => t.state === 'abandoned', 'abandoned');
    assert.equal(ended.state, 'abandoned');
    const supervisor = new ApiClient(devhost.baseUrl, 'local-master-key');
    const count = (await supervisor.get<{ messages: Message[] }>(`/supervisor/tasks/${chat.chatId}/messages`)).body.messages.length;
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal((await supervisor.get<{ messages: Message[] }>(`/supervisor/tasks/${chat.chatId}/messages`)).body.messages.length, count, 'the loop stopped: no more position messages');
  });

  it('saves parameters, counts agents, sets priority, checks the task, pushes a URL, and disconnects as handled', async () => {
    const wf = await workflow('save', [
      { id: 'save', settings: { type: 'SaveToParameter', parameter: 'greeting', value: 'Dear {{customerName}}' }, exits: { next: 'users' } },
      { id: 'users', settings: { type: 'GetAvailableUsers', onDutyParameter: 'onDuty', availableParameter: 'available' }, exits: { next: 'route' } },
      { id: 'route', settings: { type: 'AvailabilityBasedRouting', measure: 'available', threshold: 1 }, exits: { atOrAbove: 'end', below: 'nobody' } },
      { id: 'nobody', settings: { type: 'Message', text: '{{greeting}}, {{available}} of {{onDuty}} agents are free.', visibility: 'ALL', messageType: 'text' }, exits: { next: 'prio' } },
      { id: 'prio', settings: { type: 'DistributionPriority', priority: 77 }, exits: { next: 'online' } },
      { id: 'online', settings: { type: 'CheckTask', check: 'customer-online' }, exits: { yes: 'url', no: 'end' } },
      { id: 'url', settings: { type: 'Notice', kind: 'push-url', url: 'https://help.contoso.example/faq?who={{customerName}}', text: 'Meanwhile:' }, exits: { next: 'handled' } },
      { id: 'handled', settings: { type: 'DisconnectAsHandled', closingMessage: 'Marked as handled, bye.' }, exits: {} },
      { id: 'end', settings: { type: 'Disconnect' }, exits: {} },
    ]);
    const chat = await startChat(await service(wf), 'Dee');
    await seen(chat, 'Marked as handled, bye.');
    const messages = await chat.messages();
    assert.deepEqual(texts(messages), ['Dear Dee, 0 of 0 agents are free.', 'Meanwhile: https://help.contoso.example/faq?who=Dee', 'Marked as handled, bye.']);
    assert.equal(messages.find((m) => m.text.startsWith('Meanwhile'))?.kind, 'notice');
    const task = await taskWhere(chat, (t) => t.state === 'closed', 'closed');
    assert.deepEqual([task.priority, task.outcome, task.parameters['greeting']], [77, 'handled', 'Dear Dee']);
  });

  it('a workflow that fails ends its task as failed with the reason, never stuck', async () => {
    const other = await service(null);
    const wf = await workflow('hello', [
      { id: 'hello', settings: { type: 'Message', text: 'One moment.', visibility: 'ALL', messageType: 'text' }, exits: { next: 'transfer' } },
      { id: 'transfer', settings: { type: 'Transfer', serviceId: other }, exits: {} },
    ]);
    const front = await service(wf);
    // The transfer target stops taking chats after the workflow was published: the Transfer activity fails.
    const current = await api.get<Record<string, unknown>>(`/services/${other}`);
    const { id: _id, createdAt: _c, updatedAt: _u, ...settings } = current.body;
    void _id, void _c, void _u;
    assert.equal((await api.put(`/services/${other}`, { ...settings, imEnabled: false }, { 'if-match': current.headers.get('etag') ?? '' })).status, 200);
    const chat = await startChat(front);
    const failed = await taskWhere(chat, (t) => t.state === 'failed', 'failed', 30_000);
    assert.match(failed.outcome ?? '', /^failed: .*transfer target .* is not an IM service/);
  });

  it('does not take a message typed before the prompt as its answer', async () => {
    const wf = await workflow('pause', [
      { id: 'pause', settings: { type: 'Delay', seconds: 2 }, exits: { next: 'ask' } },
      { id: 'ask', settings: { type: 'CollectInformation', prompt: 'Which product?', parameter: 'product', timeoutSeconds: 30 }, exits: { next: 'echo', timeout: 'end' } },
      { id: 'echo', settings: { type: 'Message', text: 'Noted: {{product}}', visibility: 'ALL', messageType: 'text' }, exits: { next: 'end' } },
      { id: 'end', settings: { type: 'Disconnect' }, exits: {} },
    ]);
    const chat = await startChat(await service(wf));
    await chat.say('hello? anyone there?');
    await seen(chat, 'Which product?');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!texts(await chat.messages()).some((t) => t.startsWith('Noted')), 'the early message was not taken as the answer');
    await chat.say('Kettle');
    await seen(chat, 'Noted: Kettle');
  });

  it('a transfer into a service without a workflow whose queue is full fails the task with the reason', async () => {
    const full = await service(null, { maxQueueSize: 1 });
    assert.equal((await api.post(`/services/${full}/tasks`, {})).status, 201, 'the one place in its queue is taken');
    const wf = await workflow('transfer', [{ id: 'transfer', settings: { type: 'Transfer', serviceId: full }, exits: {} }]);
    const chat = await startChat(await service(wf));
    const failed = await taskWhere(chat, (t) => t.state === 'failed', 'failed');
    assert.equal(failed.outcome, `failed: transfer target ${full} has a full queue`);
    assert.equal(failed.serviceId, full);
  });
});
