// End-to-end: devhost runs the Durable fixture app; every pattern is driven over HTTP through the
// app's own client functions (the SDK's DurableClient) and the public /runtime/webhooks/durabletask API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDevhost, type DevhostProcess } from '../../support/devhost';
import { durableAppDir } from './support';
import type { HttpManagementPayload } from '../../../devhost/durable/managementApi';

const systemKey = 'fixture-durable-key';
const masterKey = 'fixture-master-key';

type ManagementPayload = HttpManagementPayload;

interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: { EventType: string; FunctionName?: string; Result?: unknown; Reason?: string }[];
  history?: { EventType: string; FunctionName?: string; Result?: unknown }[];
}

describe('Durable Functions through devhost', { timeout: 60_000 }, () => {
  let devhost: DevhostProcess;
  let base: string;

  before(async () => {
    devhost = await startDevhost({ appDir: durableAppDir });
    base = devhost.baseUrl;
  });

  after(async () => {
    await devhost?.stop();
  });

  const start = async (name: string, input?: unknown, id?: string): Promise<ManagementPayload> => {
    const res = await fetch(`${base}/api/start/${name}${id === undefined ? '' : `/${id}`}`, { method: 'POST', body: input === undefined ? '' : JSON.stringify(input) });
    const body = (await res.json()) as ManagementPayload;
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.equal(res.headers.get('location'), body.statusQueryGetUri);
    return body;
  };

  const op = async <T>(name: string, id: string, body: unknown = {}): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}/api/ops/${name}/${encodeURIComponent(id)}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };

  const status = async (payload: ManagementPayload, query = ''): Promise<Status> => {
    const res = await fetch(`${payload.statusQueryGetUri}${query}`);
    return (await res.json()) as Status;
  };

  const waitFor = async (payload: ManagementPayload, predicate: (s: Status) => boolean, timeoutMs = 15_000): Promise<Status> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await status(payload);
      if (predicate(current)) return current;
      if (Date.now() > deadline) throw new Error(`timed out waiting on ${payload.id}: ${JSON.stringify(current)}\n${devhost.output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const done = (p: ManagementPayload): Promise<Status> => waitFor(p, (s) => ['Completed', 'Failed', 'Terminated'].includes(s.runtimeStatus));

  it('lists the Durable functions at start with their trigger types', () => {
    assert.match(devhost.output(), /chain: orchestrationTrigger/);
    assert.match(devhost.output(), /sayHello: activityTrigger/);
  });

  it('function chaining: waitForCompletionOrCreateCheckStatusResponse returns the output', async () => {
    const res = await fetch(`${base}/api/start/chain?waitMs=10000`, { method: 'POST', body: JSON.stringify(['Tokyo', 'Seattle', 'London']) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), ['Hello Tokyo!', 'Hello Seattle!', 'Hello London!']);
  });

  it('fan-out/fan-in over 50 activities', async () => {
    const payload = await start('fanOut', 50);
    const final = await done(payload);
    assert.equal(final.runtimeStatus, 'Completed');
    assert.equal(final.output, 2 * ((49 * 50) / 2));
  });

  it('human interaction: the approval event beats the timer, and the timer wins when no one answers', async () => {
    const approved = await start('approval', { timeoutMs: 30_000 });
    await waitFor(approved, (s) => s.customStatus === 'waiting for approval');
    const raise = await fetch(approved.sendEventPostUri.replace('{eventName}', 'Approval'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ by: 'supervisor' }) });
    assert.equal(raise.status, 202);
    const final = await done(approved);
    assert.deepEqual(final.output, { approved: true, by: 'supervisor' });
    assert.equal(final.customStatus, 'approved');

    const escalated = await start('approval', { timeoutMs: 300 });
    const timedOut = await done(escalated);
    assert.deepEqual(timedOut.output, { approved: false });
    assert.equal(timedOut.customStatus, 'escalated');
    const late = await fetch(escalated.sendEventPostUri.replace('{eventName}', 'Approval'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(late.status, 410, 'events to a completed instance are Gone');
  });

  it('monitor: timers in a loop that ends in continueAsNew', async () => {
    const payload = await start('monitor', { round: 0, intervalMs: 100, seen: [] });
    const final = await done(payload);
    assert.equal(final.runtimeStatus, 'Completed');
    assert.deepEqual(final.output, { rounds: 3, history: [0, 1, 2] });
    assert.deepEqual(final.input, { round: 2, intervalMs: 100, seen: [0, 1] }, 'the input is the last execution’s');
  });

  it('sub-orchestration retried under an explicit instance id', async () => {
    const payload = await start('parentWithRetry', { key: 'e2e-sub', succeedOn: 2 }, 'e2e-parent');
    const final = await done(payload);
    assert.equal(final.runtimeStatus, 'Completed');
    assert.deepEqual(final.output, { child: { child: 'e2e-parent-child', parent: 'e2e-parent', result: { key: 'e2e-sub', attempts: 2 } } });
    const child = await op<Status>('status', 'e2e-parent-child');
    assert.equal(child.body.runtimeStatus, 'Completed');
  });

  it('activity retry: succeeds on the third attempt, and fails for good with the failure details', async () => {
    const third = await start('retryActivity', { key: 'e2e-third', succeedOn: 3, firstRetryMs: 50 });
    const final = await done(third);
    assert.deepEqual(final.output, { key: 'e2e-third', attempts: 3 });
    const withHistory = await status(third, '&showHistory=true&showHistoryOutput=true');
    const types = withHistory.historyEvents?.map((e) => e.EventType) ?? [];
    assert.deepEqual(
      types.filter((t) => t === 'TaskFailed' || t === 'TaskCompleted'),
      ['TaskFailed', 'TaskFailed', 'TaskCompleted'],
    );
    assert.deepEqual(withHistory.historyEvents?.find((e) => e.EventType === 'TaskCompleted')?.Result, { key: 'e2e-third', attempts: 3 });

    const exhausted = await start('retryExhausted');
    const failed = await done(exhausted);
    assert.equal(failed.runtimeStatus, 'Failed');
    assert.match(String(failed.output), /Orchestrator function 'retryExhausted' failed: gave up: Activity function 'alwaysFails' failed: the payment gateway said no/);
    const failedStatus = await fetch(`${exhausted.statusQueryGetUri}&returnInternalServerErrorOnFailure=true`);
    assert.equal(failedStatus.status, 500);
  });

  it('terminate, then rewind of a failed instance', async () => {
    const forever = await start('waitForever');
    await waitFor(forever, (s) => s.runtimeStatus === 'Running');
    const terminate = await fetch(forever.terminatePostUri.replace('{text}', 'no%20longer%20needed'), { method: 'POST' });
    assert.equal(terminate.status, 202);
    const terminated = await done(forever);
    assert.equal(terminated.runtimeStatus, 'Terminated');
    assert.equal(terminated.output, 'no longer needed');
    assert.equal((await fetch(forever.terminatePostUri.replace('{text}', 'again'), { method: 'POST' })).status, 410);

    const rewindable = await start('rewindable');
    const failed = await done(rewindable);
    assert.equal(failed.runtimeStatus, 'Failed');
    assert.equal((await fetch(forever.rewindPostUri.replace('{text}', 'x'), { method: 'POST' })).status, 412, 'only failed instances rewind');
    assert.equal((await fetch(`${base}/api/fix-fragile`, { method: 'POST' })).status, 204);
    const rewound = await op<{ ok: boolean }>('rewind', rewindable.id, { reason: 'step fixed' });
    assert.deepEqual(rewound.body, { ok: true });
    const final = await done(rewindable);
    assert.equal(final.runtimeStatus, 'Completed');
    assert.deepEqual(final.output, ['step 1 ok', 'step 2 ok']);
  });

  it('events raised before the wait are kept, several of one name arrive in order', async () => {
    const gate = await start('gate', { delayMs: 400 });
    const raised = await op<{ ok: boolean }>('raise', gate.id, { name: 'Go', data: { early: true } });
    assert.deepEqual(raised.body, { ok: true });
    assert.deepEqual((await done(gate)).output, { go: { early: true } });

    const items = await start('collectItems', { count: 3 });
    for (const item of ['one', 'two', 'three']) {
      const res = await fetch(items.sendEventPostUri.replace('{eventName}', 'Item'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(item) });
      assert.equal(res.status, 202);
    }
    assert.deepEqual((await done(items)).output, ['one', 'two', 'three']);
  });

  it('client operations: status flags, custom status, suspend/resume, queries with continuation, purge', async () => {
    const reporter = await start('reporter', { who: 'e2e' }, 'e2e-reporter');
    await waitFor(reporter, (s) => s.runtimeStatus === 'Running');
    const running = await op<Status>('status', 'e2e-reporter', { showInput: true });
    assert.deepEqual(running.body.customStatus, { stage: 'started' });
    assert.deepEqual(running.body.input, { who: 'e2e' });
    const noInput = await status(reporter, '&showInput=false');
    assert.equal(noInput.input, null);

    assert.equal((await op('suspend', 'e2e-reporter')).status, 200);
    assert.equal((await status(reporter)).runtimeStatus, 'Suspended');
    assert.equal((await op('raise', 'e2e-reporter', { name: 'Next', data: 1 })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await status(reporter)).runtimeStatus, 'Suspended', 'events wait while suspended');
    assert.equal((await op('resume', 'e2e-reporter')).status, 200);
    const final = await done(reporter);
    assert.equal(final.output, 'reported');
    assert.deepEqual(final.customStatus, { stage: 'finishing', input: { who: 'e2e' } });

    // As in Azure, the API sends `historyEvents` while the SDK's DurableOrchestrationStatus reads `history`.
    const viaSdk = await op<Status>('status', 'e2e-reporter', { showHistory: true, showHistoryOutput: true });
    assert.equal(viaSdk.body.history, undefined);
    const viaApi = await status(reporter, '&showHistory=true&showHistoryOutput=true');
    assert.deepEqual(
      viaApi.historyEvents?.map((e) => e.EventType),
      ['ExecutionStarted', 'ExecutionSuspended', 'ExecutionResumed', 'EventRaised', 'ExecutionCompleted'],
    );

    const missing = await op<{ error: string }>('raise', 'no-such-instance', { name: 'x', data: 1 });
    assert.equal(missing.status, 409);
    assert.match(missing.body.error, /No instance with ID 'no-such-instance' found/);

    const again = await fetch(`${base}/runtime/webhooks/durabletask/orchestrators/waitForever/e2e-dup?code=${systemKey}`, { method: 'POST' });
    assert.equal(again.status, 202);
    const conflict = await fetch(`${base}/runtime/webhooks/durabletask/orchestrators/waitForever/e2e-dup?code=${systemKey}`, { method: 'POST' });
    assert.equal(conflict.status, 409, 'starting an id that is running fails');

    const completed = await op<Status[]>('query', '-', { runtimeStatus: ['Completed'] });
    assert.ok(completed.body.length >= 5);
    assert.ok(completed.body.every((s) => s.runtimeStatus === 'Completed'));
    const all = await op<Status[]>('query', '-', { all: true });
    assert.ok(all.body.length > completed.body.length);

    const page = await fetch(`${base}/runtime/webhooks/durabletask/instances?code=${systemKey}&top=2`);
    const token = page.headers.get('x-ms-continuation-token');
    assert.equal(((await page.json()) as unknown[]).length, 2);
    assert.ok(token);
    const next = await fetch(`${base}/runtime/webhooks/durabletask/instances?code=${systemKey}&top=2`, { headers: { 'x-ms-continuation-token': token } });
    const nextPage = (await next.json()) as Status[];
    assert.equal(nextPage.length, 2);

    const purged = await op<{ instancesDeleted: number }>('purge', 'e2e-reporter');
    assert.equal(purged.body.instancesDeleted, 1);
    assert.equal((await fetch(reporter.statusQueryGetUri)).status, 404);
    const notTerminal = await fetch(`${base}/runtime/webhooks/durabletask/instances/e2e-dup?code=${systemKey}`, { method: 'DELETE' });
    assert.equal(notTerminal.status, 412);
    const byFilter = await op<{ instancesDeleted: number }>('purgeBy', '-', { createdTimeFrom: '2000-01-01T00:00:00Z', runtimeStatus: ['Terminated'] });
    assert.ok(byFilter.body.instancesDeleted >= 1);
    const afterPurge = await op<Status[]>('query', '-', { runtimeStatus: ['Terminated'] });
    assert.deepEqual(afterPurge.body, []);
  });

  it('guards the public API with the system key (or the master key)', async () => {
    const url = `${base}/runtime/webhooks/durabletask/instances`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(`${url}?code=wrong`)).status, 401);
    assert.equal((await fetch(`${url}?code=${masterKey}`)).status, 200);
    assert.equal((await fetch(url, { headers: { 'x-functions-key': systemKey } })).status, 200);
    assert.equal((await fetch(`${url}/no-such-instance?code=${systemKey}`)).status, 404);
    const unknown = await fetch(`${base}/runtime/webhooks/durabletask/orchestrators/noSuchOrchestrator?code=${systemKey}`, { method: 'POST' });
    assert.equal(unknown.status, 400);

    // createAndWaitOnNewInstancePostUri: the public API waits and answers with the output.
    const waited = await fetch(`${base}/runtime/webhooks/durabletask/orchestrators/chain/e2e-waited?timeout=10&pollingInterval=1&code=${systemKey}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["Public"]' });
    assert.equal(waited.status, 200);
    assert.deepEqual(await waited.json(), ['Hello Public!']);
    const restarted = await fetch(`${base}/runtime/webhooks/durabletask/instances/e2e-waited/restart?code=${systemKey}`, { method: 'POST' });
    assert.equal(restarted.status, 202);
    const restartPayload = (await restarted.json()) as ManagementPayload;
    assert.notEqual(restartPayload.id, 'e2e-waited');
    assert.deepEqual((await done(restartPayload)).output, ['Hello Public!'], 'a restart runs again with the same input');
  });

  it('serves the client binding to df.app.client.generic and to df.getClient in a plain app.http function', async () => {
    const res = await fetch(`${base}/api/generic-start`, { method: 'POST' });
    assert.equal(res.status, 202);
    const payload = (await res.json()) as ManagementPayload;
    assert.ok(payload.statusQueryGetUri.startsWith(`${base}/runtime/webhooks/durabletask/instances/${payload.id}?`), payload.statusQueryGetUri);
    await done(payload);
    const viaGetClient = await fetch(`${base}/api/get-client/${payload.id}`);
    assert.deepEqual(await viaGetClient.json(), { runtimeStatus: 'Completed', output: ['Hello Generic!'] });
  });

  it('durable entities: client signals, readEntityState, orchestration calls, and the entities API', async () => {
    assert.deepEqual((await op('readEntity', 'e2e')).body, { entityExists: false, entityState: null });
    for (const n of [2, 3]) assert.equal((await op('signal', 'e2e', { op: 'add', input: n })).status, 200);
    const deadline = Date.now() + 5000;
    let read = await op<{ entityExists: boolean; entityState: unknown }>('readEntity', 'e2e');
    while (read.body.entityState !== 5 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      read = await op('readEntity', 'e2e');
    }
    assert.deepEqual(read.body, { entityExists: true, entityState: 5 });

    const counted = await start('countTo', { key: 'e2e', times: 2 });
    assert.deepEqual((await done(counted)).output, { value: 7, failure: 'failed' });
    const api = await fetch(`${base}/runtime/webhooks/durabletask/entities/counter/e2e?code=${systemKey}`);
    assert.equal(api.status, 200);
    assert.equal(await api.json(), 7);
    assert.equal((await fetch(`${base}/runtime/webhooks/durabletask/entities/counter/missing?code=${systemKey}`)).status, 404);
  });

  it('starts orchestrations from an Event Grid client function', async () => {
    const res = await fetch(`${base}/runtime/webhooks/eventgrid?functionName=startFromEventGrid`, {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 'grid-1', eventType: 'Switchboard.Test', subject: 'tests/grid', data: {}, eventTime: new Date().toISOString(), dataVersion: '1' }]),
    });
    assert.equal(res.status, 202);
    const payload = (await (await op<ManagementPayload>('payload', 'eg-grid-1')).body) as ManagementPayload;
    assert.match(payload.statusQueryGetUri, /\/runtime\/webhooks\/durabletask\/instances\/eg-grid-1\?taskHub=DevhostFixtureHub&connection=Storage&code=fixture-durable-key$/);
    const final = await done(payload);
    assert.deepEqual(final.output, ['Hello Grid!']);
  });
});
