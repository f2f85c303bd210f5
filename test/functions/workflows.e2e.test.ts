// The admin API for IM workflows through devhost: versions, refusals naming pointer and activity,
// references to calendars and services, and services given only workflows that exist.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, errorCode, issuePaths, type Api, type ApiResponse, type ErrorAnswer } from '../support/adminApi';
import type { DevhostProcess } from '../support/devhost';
import { startSwitchboard } from '../support/switchboard';

interface WorkflowAnswer {
  id: string;
  version: number;
  versionId: string;
  name: string;
  modality: string;
  start: string;
  nodes: { id: string; settings: Record<string, unknown>; exits: Record<string, string> }[];
  createdAt: string;
}

const calendar = { id: 'office', name: 'Office', timeZone: 'Europe/Zurich', weekly: { mon: [{ from: '08:00', to: '18:00' }] } };

function definition(greeting = 'Hello {{customerName}}') {
  return {
    name: 'Support chat',
    modality: 'IM',
    start: 'greet',
    nodes: [
      { id: 'greet', settings: { type: 'Message', text: greeting, visibility: 'ALL', messageType: 'text' }, exits: { next: 'hours' } },
      { id: 'hours', settings: { type: 'CheckOpeningHours', calendarId: 'office' }, exits: { open: 'queue', closed: 'bye', holiday: 'bye' } },
      { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 600 }, exits: { timeout: 'bye', queueFull: 'bye' } },
      { id: 'bye', settings: { type: 'Disconnect', closingMessage: 'Goodbye' } },
    ],
  };
}

const issuesOf = (res: ApiResponse) => (res.body as { error: { issues?: { path: string; message: string; activity?: string }[] } }).error.issues ?? [];

describe('admin API: /api/workflows', () => {
  let devhost: DevhostProcess;
  let api: Api;

  before(async () => {
    devhost = await startSwitchboard();
    api = adminApi(devhost.baseUrl);
    assert.equal((await api('POST', '/api/calendars', { body: calendar })).status, 201);
    const services = [
      { id: 'support', name: 'Support', address: 'support@contoso.example', distribution: { policy: 'longest-idle' } },
      { id: 'chatless', name: 'Phone only', address: 'phone@contoso.example', imEnabled: false, distribution: { policy: 'longest-idle' } },
    ];
    for (const body of services) assert.equal((await api('POST', '/api/services', { body })).status, 201);
  });
  after(async () => {
    await devhost?.stop();
  });

  it('needs a function key', async () => {
    assert.equal((await api('GET', '/api/workflows', { key: null })).status, 401);
    assert.equal((await api('POST', '/api/workflows', { key: null, body: { id: 'nokey', ...definition() } })).status, 401);
    assert.equal((await api('GET', '/api/workflows/nokey')).status, 404);
  });

  it('creates version 1 (201, Location, ETag) and reads it back, current and by number', async () => {
    const created = await api<WorkflowAnswer>('POST', '/api/workflows', { body: { id: 'im-support', ...definition() } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), `${devhost.baseUrl}/api/workflows/im-support`);
    const etag = created.headers.get('etag');
    assert.ok(etag && /^".+"$/.test(etag), `ETag ${String(etag)}`);
    assert.equal(created.body.id, 'im-support');
    assert.equal(created.body.version, 1);
    assert.equal(created.body.versionId, 'im-support@1');
    assert.deepEqual(created.body.nodes, definition().nodes.map((n) => ({ ...n, exits: n.exits ?? {} })));

    const current = await api<WorkflowAnswer>('GET', '/api/workflows/im-support');
    assert.equal(current.status, 200);
    assert.equal(current.headers.get('etag'), etag);
    assert.deepEqual(current.body, created.body);
    const first = await api<WorkflowAnswer>('GET', '/api/workflows/im-support/versions/1');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, created.body);
  });

  it('PUT writes version 2 and makes it current, while version 1 stays as it was', async () => {
    const before = await api<WorkflowAnswer>('GET', '/api/workflows/im-support');
    const etag = before.headers.get('etag') ?? '';
    const put = await api<WorkflowAnswer>('PUT', '/api/workflows/im-support', { body: definition('Welcome back!'), headers: { 'if-match': etag } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.version, 2);
    assert.equal(put.body.versionId, 'im-support@2');
    assert.equal(put.headers.get('content-location'), `${devhost.baseUrl}/api/workflows/im-support/versions/2`);
    assert.notEqual(put.headers.get('etag'), etag);

    const current = await api<WorkflowAnswer>('GET', '/api/workflows/im-support');
    assert.equal(current.body.version, 2);
    assert.equal(current.body.nodes[0]?.settings['text'], 'Welcome back!');
    assert.equal(current.headers.get('etag'), put.headers.get('etag'));
    const v1 = await api<WorkflowAnswer>('GET', '/api/workflows/im-support/versions/1');
    assert.equal(v1.body.version, 1);
    assert.equal(v1.body.nodes[0]?.settings['text'], 'Hello {{customerName}}', 'version 1 unchanged');
    const v2 = await api<WorkflowAnswer>('GET', '/api/workflows/im-support/versions/2');
    assert.deepEqual(v2.body, current.body);
    const v3 = await api('GET', '/api/workflows/im-support/versions/3');
    assert.equal(v3.status, 404);
    assert.equal(errorCode(v3), 'WORKFLOW.VERSION_NOT_FOUND');
    const bad = await api('GET', '/api/workflows/im-support/versions/latest');
    assert.equal(bad.status, 400);
    assert.deepEqual(issuePaths(bad), ['/version']);
  });

  it('replaces only with a current If-Match: 428 without, 412 stale, no version written by either', async () => {
    const missing = await api('PUT', '/api/workflows/im-support', { body: definition('lost') });
    assert.equal(missing.status, 428);
    assert.equal(errorCode(missing), 'PRECONDITION.REQUIRED');
    const stale = await api('PUT', '/api/workflows/im-support', { body: definition('lost'), headers: { 'if-match': '"00000000-0000-0000-0000-000000000000"' } });
    assert.equal(stale.status, 412);
    assert.equal(errorCode(stale), 'CONFLICT.STALE_ETAG');
    const current = await api<WorkflowAnswer>('GET', '/api/workflows/im-support');
    assert.equal(current.body.version, 2);
    assert.equal((await api('GET', '/api/workflows/im-support/versions/3')).status, 404);
    const unknown = await api('PUT', '/api/workflows/nope', { body: definition(), headers: { 'if-match': '*' } });
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown), 'WORKFLOW.NOT_FOUND');
  });

  it('refuses a taken id with 409 and generates one when none is given', async () => {
    const taken = await api('POST', '/api/workflows', { body: { id: 'im-support', ...definition() } });
    assert.equal(taken.status, 409);
    assert.equal(errorCode(taken), 'CONFLICT.EXISTS');
    assert.equal((await api<WorkflowAnswer>('GET', '/api/workflows/im-support')).body.version, 2, 'the taken workflow is untouched');
    const generated = await api<WorkflowAnswer>('POST', '/api/workflows', { body: definition() });
    assert.equal(generated.status, 201);
    assert.match(generated.body.id, /^[0-9a-f-]{36}$/);
  });

  it('refuses, over HTTP, every kind of invalid workflow with 400 naming the pointer and the activity, writing nothing', async () => {
    const withNode = (index: number, node: Record<string, unknown>) => {
      const d = definition();
      (d.nodes as Record<string, unknown>[])[index] = node;
      return d;
    };
    const cases: { name: string; body: unknown; pointer: string; activity?: string; message: RegExp }[] = [
      { name: 'unsupported activity', body: withNode(0, { id: 'greet', settings: { type: 'PlayMusic' }, exits: { next: 'hours' } }), pointer: '/nodes/0/settings/type', activity: 'greet', message: /"PlayMusic" is not supported for IM workflows/ },
      { name: 'unknown activity', body: withNode(0, { id: 'greet', settings: { type: 'Teleport' }, exits: { next: 'hours' } }), pointer: '/nodes/0/settings/type', activity: 'greet', message: /unknown activity type "Teleport"/ },
      { name: 'unknown field', body: withNode(2, { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 60, pickup: true }, exits: { timeout: 'bye', queueFull: 'bye' } }), pointer: '/nodes/2/settings/pickup', activity: 'queue', message: /unknown field "pickup"/ },
      { name: 'exit leading nowhere', body: withNode(0, { id: 'greet', settings: { type: 'Accept' }, exits: { next: 'nowhere' } }), pointer: '/nodes/0/exits/next', activity: 'greet', message: /leads to "nowhere", which is not a node/ },
      { name: 'missing exit', body: withNode(2, { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 60 }, exits: { timeout: 'bye' } }), pointer: '/nodes/2/exits/queueFull', activity: 'queue', message: /exit "queueFull" leads nowhere/ },
      { name: 'timer over 6 days', body: withNode(2, { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 518_401 }, exits: { timeout: 'bye', queueFull: 'bye' } }), pointer: '/nodes/2/settings/timeoutSeconds', activity: 'queue', message: /from 1 to 518400 \(6 days\)/ },
      { name: 'bad push URL', body: withNode(0, { id: 'greet', settings: { type: 'Notice', kind: 'push-url', url: 'ftp://x.example' }, exits: { next: 'hours' } }), pointer: '/nodes/0/settings/url', activity: 'greet', message: /url must start with http:\/\/ or https:\/\// },
      { name: 'cycle without a wait', body: withNode(3, { id: 'bye', settings: { type: 'Accept' }, exits: { next: 'hours' } }), pointer: '/nodes/1', activity: 'hours', message: /is on a cycle that never waits \(hours -> bye -> hours\)/ },
      { name: 'start naming no node', body: { ...definition(), start: 'hello' }, pointer: '/start', message: /start "hello" is not a node/ },
      { name: 'modality', body: { ...definition(), modality: 'Voice' }, pointer: '/modality', message: /modality must be "IM"/ },
    ];
    for (const c of cases) {
      const res = await api('POST', '/api/workflows', { body: { id: 'refused', ...(c.body as object) } });
      assert.equal(res.status, 400, `${c.name}: ${JSON.stringify(res.body)}`);
      assert.equal(errorCode(res), 'VALIDATION', c.name);
      const issues = issuesOf(res);
      const issue = issues.find((i) => i.path === c.pointer);
      assert.ok(issue, `${c.name}: no issue at ${c.pointer} in ${JSON.stringify(issues)}`);
      assert.match(issue.message, c.message, c.name);
      assert.equal(issue.activity, c.activity, c.name);
      assert.match((res.body as ErrorAnswer).error.message, new RegExp(c.pointer.replace(/\//g, '\\/')), `${c.name}: the message names the pointer`);
    }
    const unreachable = definition();
    unreachable.nodes.push({ id: 'orphan', settings: { type: 'Accept' }, exits: { next: 'bye' } } as never);
    const res = await api('POST', '/api/workflows', { body: { id: 'refused', ...unreachable } });
    assert.equal(res.status, 400);
    assert.deepEqual(issuesOf(res).map((i) => [i.path, i.activity]), [['/nodes/4', 'orphan']]);
    assert.equal((await api('GET', '/api/workflows/refused')).status, 404, 'nothing written');

    const badJson = await api('POST', '/api/workflows', { rawBody: '{"name":' });
    assert.equal(badJson.status, 400);
    assert.deepEqual(issuePaths(badJson), ['/']);
  });

  it('refuses calendars and transfer targets that do not exist or do not take IM (WORKFLOW.INVALID)', async () => {
    const d = definition();
    d.nodes[1] = { id: 'hours', settings: { type: 'CheckOpeningHours', calendarId: 'nowhere' }, exits: { open: 'queue', closed: 'bye', holiday: 'bye' } };
    const noCalendar = await api('POST', '/api/workflows', { body: { id: 'refs', ...d } });
    assert.equal(noCalendar.status, 400);
    assert.equal(errorCode(noCalendar), 'WORKFLOW.INVALID');
    assert.deepEqual(issuesOf(noCalendar).map((i) => [i.path, i.activity]), [['/nodes/1/settings/calendarId', 'hours']]);
    assert.match(issuesOf(noCalendar)[0]?.message ?? '', /CheckOpeningHours "hours": calendar "nowhere" does not exist/);

    const transfer = (serviceId: string) => {
      const t = definition();
      t.nodes[3] = { id: 'bye', settings: { type: 'Transfer', serviceId } } as never;
      return t;
    };
    const noService = await api('POST', '/api/workflows', { body: { id: 'refs', ...transfer('ghost') } });
    assert.equal(noService.status, 400);
    assert.deepEqual(issuesOf(noService).map((i) => [i.path, i.activity]), [['/nodes/3/settings/serviceId', 'bye']]);
    assert.match(issuesOf(noService)[0]?.message ?? '', /service "ghost" does not exist/);
    const noIm = await api('POST', '/api/workflows', { body: { id: 'refs', ...transfer('chatless') } });
    assert.equal(noIm.status, 400);
    assert.match(issuesOf(noIm)[0]?.message ?? '', /service "chatless" does not take IM tasks/);
    assert.equal((await api('GET', '/api/workflows/refs')).status, 404, 'nothing written');
    // The service that will run the workflow may be its own transfer target.
    assert.equal((await api('POST', '/api/workflows', { body: { id: 'refs', ...transfer('support') } })).status, 201);
  });

  it('gives a service only a workflow that exists (400 naming /workflowId), and keeps its allowed origins', async () => {
    const body = { name: 'Sales', address: 'sales@contoso.example', distribution: { policy: 'longest-idle' } };
    const unknown = await api('POST', '/api/services', { body: { id: 'sales', ...body, workflowId: 'ghost' } });
    assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
    assert.equal(errorCode(unknown), 'SERVICE.UNKNOWN_WORKFLOW');
    assert.deepEqual(issuePaths(unknown), ['/workflowId']);
    assert.equal((await api('GET', '/api/services/sales')).status, 404);

    const created = await api<{ workflowId: string | null; allowedOrigins: string[] }>('POST', '/api/services', {
      body: { id: 'sales', ...body, workflowId: 'im-support', allowedOrigins: ['https://Shop.Contoso.example', 'https://*.contoso.example'] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.workflowId, 'im-support');
    assert.deepEqual(created.body.allowedOrigins, ['https://shop.contoso.example', 'https://*.contoso.example']);

    const etag = created.headers.get('etag') ?? '';
    const replaced = await api('PUT', '/api/services/sales', { body: { ...body, workflowId: 'ghost' }, headers: { 'if-match': etag } });
    assert.equal(replaced.status, 400);
    assert.deepEqual(issuePaths(replaced), ['/workflowId']);
    const badOrigin = await api('PUT', '/api/services/sales', { body: { ...body, allowedOrigins: ['https://shop.contoso.example/path'] }, headers: { 'if-match': etag } });
    assert.equal(badOrigin.status, 400);
    assert.deepEqual(issuePaths(badOrigin), ['/allowedOrigins/0']);
    assert.equal((await api<{ workflowId: string }>('GET', '/api/services/sales')).body.workflowId, 'im-support', 'unchanged');
  });

  it('lists workflows a page at a time, with their current version', async () => {
    for (const id of ['list-a', 'list-b', 'list-c']) assert.equal((await api('POST', '/api/workflows', { body: { id, ...definition() } })).status, 201);
    const seen: { id: string; currentVersion: number }[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await api<{ items: { id: string; currentVersion: number }[]; continuationToken?: string }>('GET', `/api/workflows?pageSize=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.items.length <= 2);
      seen.push(...page.body.items);
      token = page.body.continuationToken;
      pages++;
    } while (token && pages < 20);
    const ids = seen.map((w) => w.id);
    assert.deepEqual(ids, [...ids].sort(), 'ordered by id');
    assert.equal(new Set(ids).size, ids.length, 'each once; versions are not listed');
    for (const id of ['im-support', 'list-a', 'list-b', 'list-c', 'refs']) assert.ok(ids.includes(id), id);
    assert.equal(seen.find((w) => w.id === 'im-support')?.currentVersion, 2);
    assert.ok(pages >= 3);
    const foreign = await api('GET', `/api/workflows?continuationToken=${Buffer.from(JSON.stringify({ list: 'services', token: 'x' })).toString('base64url')}`);
    assert.equal(foreign.status, 400);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await api<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } }>('GET', '/api/openapi.json');
    assert.equal(doc.status, 200);
    assert.deepEqual(Object.keys(doc.body.paths['/api/workflows'] ?? {}).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(doc.body.paths['/api/workflows/{id}'] ?? {}).sort(), ['get', 'put']);
    assert.deepEqual(Object.keys(doc.body.paths['/api/workflows/{id}/versions/{version}'] ?? {}), ['get']);
    for (const schema of ['WorkflowCreate', 'WorkflowUpdate', 'Workflow', 'NodeSettings', 'QueueTaskSettings']) assert.ok(doc.body.components.schemas[schema], schema);
  });
});
