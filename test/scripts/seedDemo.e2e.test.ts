// The demo seed devhost runs after start: created through the admin API, idempotent.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { seed } from '../../scripts/seedDemo';
import { adminApi, functionKey, type Api } from '../support/adminApi';
import type { DevhostProcess } from '../support/devhost';
import { startSwitchboard } from '../support/switchboard';

interface Page {
  items: { id: string; distribution?: { policy: string; requiredSkills: unknown[] }; memberships?: { serviceId: string }[] }[];
  continuationToken?: string;
}

describe('demo seed (devhost.json "seed")', () => {
  let devhost: DevhostProcess;
  let api: Api;

  before(async () => {
    // As `npm start` runs it, but with every emulator on a free port (devhost points the sample
    // settings at them): the seed and the health check below show the app talks to these.
    devhost = await startSwitchboard({ seed: true, sampleSettings: true });
    api = adminApi(devhost.baseUrl);
    for (let i = 0; i < 200 && !/Seeded|seed .* failed/.test(devhost.output()); i++) await sleep(100);
  });
  after(async () => {
    await devhost?.stop();
  });

  it('talks to the emulators devhost started on other ports than the sample settings name', async () => {
    const health = await api<{ status: string; dependencies: Record<string, { status: string; error?: string }> }>('GET', '/api/health');
    assert.equal(health.status, 200, JSON.stringify(health.body));
    assert.deepEqual(Object.values(health.body.dependencies).map((d) => d.status), Object.keys(health.body.dependencies).map(() => 'up'), JSON.stringify(health.body));
    assert.ok(Object.keys(health.body.dependencies).length >= 3);
  });

  it('creates the demo services and agents after start, and says so', async () => {
    const output = devhost.output();
    assert.match(output, /Seeded \(dist\/scripts\/seedDemo\.js\):/, output);
    assert.ok(output.indexOf('Seeded') > output.indexOf('devhost ready on'), 'seeding happens once the host is ready');
    for (const line of ['calendars/demo-hours created', 'workflows/support-chat created', 'services/support created', 'services/sales created', 'agents/ada created', 'agents/katherine created']) {
      assert.ok(output.includes(line), line);
    }

    const services = await api<Page>('GET', '/api/services?pageSize=100');
    assert.deepEqual(services.body.items.map((s) => s.id), ['sales', 'support']);
    const sales = services.body.items.find((s) => s.id === 'sales');
    assert.equal(sales?.distribution?.policy, 'skills');
    assert.ok((sales?.distribution?.requiredSkills.length ?? 0) > 0);
    assert.equal(services.body.items.find((s) => s.id === 'support')?.distribution?.policy, 'longest-idle');

    // The support service runs the demo workflow, which checks the demo calendar.
    const support = await api<{ workflowId: string | null; allowedOrigins: string[] }>('GET', '/api/services/support');
    assert.equal(support.body.workflowId, 'support-chat');
    assert.deepEqual(support.body.allowedOrigins, [new URL(devhost.baseUrl).origin, 'https://*.contoso.example'], 'chats from the local widget page, on the port devhost serves');
    assert.equal((await api<{ workflowId: string | null }>('GET', '/api/services/sales')).body.workflowId, null);
    const workflow = await api<{ version: number; nodes: { settings: { type: string; calendarId?: string } }[] }>('GET', '/api/workflows/support-chat');
    assert.equal(workflow.status, 200);
    assert.equal(workflow.body.version, 1);
    const types = workflow.body.nodes.map((n) => n.settings.type);
    for (const type of ['Message', 'CheckOpeningHours', 'GetQueuePosition', 'QueueTask', 'Disconnect']) assert.ok(types.includes(type), type);
    assert.equal(workflow.body.nodes.find((n) => n.settings.type === 'CheckOpeningHours')?.settings.calendarId, 'demo-hours');
    assert.equal((await api('GET', '/api/calendars/demo-hours')).status, 200);

    const agents = await api<Page>('GET', '/api/agents?pageSize=100');
    assert.deepEqual(agents.body.items.map((a) => a.id), ['ada', 'alan', 'grace', 'katherine']);
    assert.ok(agents.body.items.every((a) => (a.memberships?.length ?? 0) > 0), 'every demo agent works in a service');
  });

  it('keeps what is there when run again', async () => {
    const before = await api('GET', '/api/agents/ada');
    const lines = await seed(devhost.baseUrl, functionKey);
    assert.equal(lines.length, 8);
    assert.ok(lines.every((l) => l.endsWith('present, kept')), lines.join('\n'));
    const afterwards = await api('GET', '/api/agents/ada');
    assert.equal(afterwards.headers.get('etag'), before.headers.get('etag'));
    assert.equal((await api<Page>('GET', '/api/services?pageSize=100')).body.items.length, 2);
  });

  it('fails loudly with a wrong key rather than pretending', async () => {
    await assert.rejects(seed(devhost.baseUrl, 'wrong-key'), /answered 401/);
  });
});
