// devhost end to end on test/fixtures/host-app: every trigger kind over real sockets.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../support/apiClient';
import { repoRoot, startDevhost, type DevhostProcess } from '../../support/devhost';

const appDir = join(repoRoot, 'test', 'fixtures', 'host-app');

describe('devhost on a fixture app', () => {
  let devhost: DevhostProcess;
  let base: string;

  before(async () => {
    devhost = await startDevhost({ appDir, env: { GREETING: 'Grüezi' } });
    base = devhost.baseUrl;
  });
  after(async () => devhost.stop());

  describe('HTTP triggers', () => {
    it('serves GET and POST with query, body and app settings (environment wins over local.settings.json)', async () => {
      assert.equal(await (await fetch(`${base}/api/hello?name=Ann`)).text(), 'Grüezi, Ann!');
      assert.equal(await (await fetch(`${base}/api/hello`, { method: 'POST', body: 'Bob' })).text(), 'Grüezi, Bob!');
    });

    it('matches route templates and constraints', async () => {
      assert.deepEqual(await (await fetch(`${base}/api/orders/42`)).json(), { id: 42, kind: 'int' });
      assert.deepEqual(await (await fetch(`${base}/api/orders/abc`)).json(), { name: 'abc', kind: 'alpha' });
      assert.equal((await fetch(`${base}/api/orders/4a2`)).status, 404);
      assert.deepEqual(await (await fetch(`${base}/api/items/books`)).json(), { category: 'books', id: null });
      assert.deepEqual(await (await fetch(`${base}/api/items/books/7`)).json(), { category: 'books', id: '7' });
      assert.deepEqual(await (await fetch(`${base}/api/files/a/b/c.txt`)).json(), { path: 'a/b/c.txt' });
    });

    it('answers 404 for unknown routes and 405 with Allow for other methods', async () => {
      assert.equal((await fetch(`${base}/api/nowhere`)).status, 404);
      assert.equal((await fetch(`${base}/hello`)).status, 404, 'the route prefix is required');
      const res = await fetch(`${base}/api/orders/4`, { method: 'PATCH' });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'GET, DELETE');
    });

    it('enforces auth levels with x-functions-key or ?code=', async () => {
      assert.equal((await fetch(`${base}/api/orders/4`, { method: 'DELETE' })).status, 401);
      assert.equal((await fetch(`${base}/api/orders/4`, { method: 'DELETE', headers: { 'x-functions-key': 'wrong' } })).status, 401);
      assert.equal((await fetch(`${base}/api/orders/4`, { method: 'DELETE', headers: { 'x-functions-key': 'fixture-function-key' } })).status, 204);
      assert.equal((await fetch(`${base}/api/orders/4?code=fixture-master-key`, { method: 'DELETE' })).status, 204);
      assert.equal((await fetch(`${base}/api/admin-only?code=fixture-function-key`)).status, 401, 'a function key is not enough for admin');
      assert.equal((await fetch(`${base}/api/admin-only`, { headers: { 'x-functions-key': 'fixture-master-key' } })).status, 200);
    });

    it('returns status, headers, cookies and binary bodies', async () => {
      const body = new Uint8Array([0, 1, 2, 255]);
      const res = await fetch(`${base}/api/echo`, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-echo-method'), 'PUT');
      assert.match(res.headers.get('set-cookie') ?? '', /^session=abc; Path=\/; HttpOnly/);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), body);
    });

    it('sends the response from a named extra output', async () => {
      const res = await fetch(`${base}/api/named-output`);
      assert.equal(res.status, 203);
      assert.equal(await res.text(), 'set via extraOutputs');
    });

    it('answers 500 when a function throws, and when it exceeds functionTimeout', async () => {
      assert.equal((await fetch(`${base}/api/fails`)).status, 500);
      const started = Date.now();
      assert.equal((await fetch(`${base}/api/slow`)).status, 500);
      assert.ok(Date.now() - started < 4500, 'host.json functionTimeout (2 s) cut the 5 s function short');
      assert.match(devhost.output(), /Timeout value of 00:00:02 was exceeded by function: Functions\.slow/);
    });

    it('applies CORS from local settings', async () => {
      const preflight = await fetch(`${base}/api/hello`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example');
      assert.equal(preflight.headers.get('access-control-allow-headers'), 'content-type');
      const allowed = await fetch(`${base}/api/hello`, { headers: { origin: 'https://shop.example' } });
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://shop.example');
      const other = await fetch(`${base}/api/hello`, { headers: { origin: 'https://evil.example' } });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    });

    it('runs preInvocation and postInvocation hooks around the function', async () => {
      const body = (await (await fetch(`${base}/api/hooked`)).json()) as { wrapped: boolean; inner: { hooks: string[] } };
      assert.equal(body.wrapped, true, 'the preInvocation hook replaced the handler');
      assert.ok(body.inner.hooks.includes('appStart'));
      assert.ok(body.inner.hooks.includes('postInvocation:preInvocation'), 'hookData flowed from pre to post');
    });

    it('routes context.log with the function name and invocation id', () => {
      assert.match(devhost.output(), /hello \([0-9a-f-]{36}\): saying hello/);
    });

    it('lists every function with its trigger and URL at start', () => {
      const output = devhost.output();
      assert.match(output, /hello: \[GET,POST\] http:\/\/localhost:\d+\/api\/hello/);
      assert.match(output, /deleteOrder: \[DELETE\] http:\/\/localhost:\d+\/api\/orders\/\{id:int\} \(function key\)/);
      assert.match(output, /tick: timerTrigger: \*\/1 \* \* \* \* \*/);
      assert.match(output, /onEvent: eventGridTrigger: http:\/\/localhost:\d+\/runtime\/webhooks\/eventgrid\?functionName=onEvent/);
    });
  });

  describe('timer triggers', () => {
    type TimerState = { ticks: { at: string; isPastDue: boolean }[]; startupRuns: number };
    const timers = async (): Promise<TimerState> => (await (await fetch(`${base}/api/probe/timers`)).json()) as TimerState;

    it('fires a 6-field NCRONTAB schedule (from a %setting%) every second, on second boundaries', async () => {
      const state = await eventually(timers, (s) => s.ticks.length >= 3, 6000, 'three ticks');
      const times = state.ticks.map((t) => Date.parse(t.at));
      for (const t of times) assert.ok(t % 1000 < 300, `tick at ${new Date(t).toISOString()} is near a second boundary`);
      for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) - (times[i - 1] ?? 0) >= 700, 'ticks are a second apart');
      assert.ok(state.ticks.every((t) => t.isPastDue === false));
    });

    it('runs runOnStartup timers once at start', async () => {
      assert.equal((await timers()).startupRuns, 1);
    });

    it('runs a timer on demand through the admin API with the master key', async () => {
      assert.equal((await fetch(`${base}/admin/functions/onStartup`, { method: 'POST', body: '{}' })).status, 401);
      const res = await fetch(`${base}/admin/functions/onStartup`, { method: 'POST', body: '{}', headers: { 'x-functions-key': 'fixture-master-key' } });
      assert.equal(res.status, 202);
      await eventually(timers, (s) => s.startupRuns === 2, 5000, 'a second run');
    });
  });

  describe('Event Grid triggers', () => {
    const webhook = (fn = 'onEvent'): string => `${base}/runtime/webhooks/eventgrid?functionName=${fn}`;
    const events = async (): Promise<{ id: string; type: string; subject: string }[]> => (await (await fetch(`${base}/api/probe/events`)).json()) as { id: string; type: string; subject: string }[];

    it('answers the subscription validation handshake', async () => {
      const res = await fetch(webhook(), {
        method: 'POST',
        headers: { 'aeg-event-type': 'SubscriptionValidation', 'content-type': 'application/json' },
        body: JSON.stringify([{ id: 'v1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', subject: '', data: { validationCode: 'code-123' }, eventTime: new Date().toISOString(), dataVersion: '1' }]),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { validationResponse: 'code-123' });
    });

    it('answers the CloudEvents abuse-protection handshake', async () => {
      const res = await fetch(webhook(), { method: 'OPTIONS', headers: { 'webhook-request-origin': 'eventgrid.azure.net' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('webhook-allowed-origin'), 'eventgrid.azure.net');
    });

    it('delivers Event Grid schema batches, one invocation per event', async () => {
      const batch = ['a', 'b'].map((n) => ({ id: `eg-${n}`, eventType: 'Microsoft.Communication.ChatMessageReceived', subject: `thread/${n}`, data: { n }, eventTime: new Date().toISOString(), dataVersion: '1.0' }));
      const res = await fetch(webhook(), { method: 'POST', headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      assert.equal(res.status, 202);
      const seen = await events();
      assert.deepEqual(seen.filter((e) => e.id.startsWith('eg-')).map((e) => [e.id, e.type, e.subject]), [
        ['eg-a', 'Microsoft.Communication.ChatMessageReceived', 'thread/a'],
        ['eg-b', 'Microsoft.Communication.ChatMessageReceived', 'thread/b'],
      ]);
    });

    it('delivers CloudEvents, single and batched', async () => {
      const single = { specversion: '1.0', id: 'ce-1', type: 'switchboard.test', source: '/tests', subject: 'one', data: { x: 1 } };
      assert.equal((await fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(single) })).status, 202);
      const batch = [2, 3].map((n) => ({ ...single, id: `ce-${n}`, subject: String(n) }));
      assert.equal((await fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(batch) })).status, 202);
      assert.deepEqual((await events()).filter((e) => e.id.startsWith('ce-')).map((e) => e.id), ['ce-1', 'ce-2', 'ce-3']);
    });

    it('answers 500 when the function fails, so the sender retries; the retry succeeds', async () => {
      const event = { id: 'retry-1', eventType: 'test', subject: 'fail-once', data: {}, eventTime: new Date().toISOString(), dataVersion: '1' };
      const send = (): Promise<Response> => fetch(webhook(), { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify([event]) });
      assert.equal((await send()).status, 500);
      assert.equal((await events()).some((e) => e.id === 'retry-1'), false);
      assert.equal((await send()).status, 202);
      assert.equal((await events()).filter((e) => e.id === 'retry-1').length, 1);
    });

    it('refuses bad deliveries with 4xx naming the problem', async () => {
      assert.equal((await fetch(webhook('nope'), { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: '[]' })).status, 404);
      const noHeader = await fetch(webhook(), { method: 'POST', body: JSON.stringify([{ id: '1', eventType: 't', subject: 's' }]) });
      assert.equal(noHeader.status, 400);
      assert.match(await noHeader.text(), /aeg-event-type/);
      assert.equal((await fetch(webhook(), { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: '{not json' })).status, 400);
      const missing = await fetch(webhook(), { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: JSON.stringify([{ id: '1' }]) });
      assert.equal(missing.status, 400);
    });
  });
});
