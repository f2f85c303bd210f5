// The admin API for agents through devhost: settings owned by admins, live state kept by the server.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { adminApi, errorCode, issuePaths, type Api } from '../support/adminApi';
import type { DevhostProcess } from '../support/devhost';
import { startSwitchboard } from '../support/switchboard';

interface AgentAnswer {
  id: string;
  displayName: string;
  email: string;
  imLicensed: boolean;
  skills: Record<string, number>;
  profiles: { name: string; onDuty: boolean }[];
  memberships: { serviceId: string; profile: string; priority: number }[];
  imCapacity: number;
  presence: string;
  notAvailableReasons: string[];
  notAvailableRequests: unknown[];
  offers: { offerId: string; taskId: string; serviceId: string }[];
  tasks: unknown[];
  rona: unknown;
  lastOfferAt: string | null;
  idleSince: string;
  createdAt: string;
  updatedAt: string;
}

const ada = { displayName: 'Ada Lovelace', email: 'ada@contoso.example' };

describe('admin API: /api/agents', () => {
  let devhost: DevhostProcess;
  let api: Api;

  before(async () => {
    devhost = await startSwitchboard();
    api = adminApi(devhost.baseUrl);
    for (const id of ['support', 'sales']) {
      const res = await api('POST', '/api/services', { body: { id, name: id, address: `${id}@contoso.example`, distribution: { policy: 'longest-idle' } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(async () => {
    await devhost?.stop();
  });

  async function etagOf(id: string): Promise<string> {
    const res = await api('GET', `/api/agents/${id}`);
    assert.equal(res.status, 200);
    return res.headers.get('etag') ?? '';
  }

  it('needs a function key', async () => {
    assert.equal((await api('GET', '/api/agents', { key: null })).status, 401);
    assert.equal((await api('POST', '/api/agents', { key: null, body: { id: 'nokey', ...ada } })).status, 401);
    assert.equal((await api('DELETE', '/api/agents/nokey', { key: null })).status, 401);
  });

  it('creates an agent signed out with nothing to do, and reads it back', async () => {
    const created = await api<AgentAnswer>('POST', '/api/agents', {
      body: {
        id: 'ada',
        ...ada,
        skills: { french: 8, billing: 3 },
        profiles: [{ name: 'Backup', onDuty: true }],
        memberships: [{ serviceId: 'support' }, { serviceId: 'sales', profile: 'Backup', priority: 70 }],
        imCapacity: 4,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), `${devhost.baseUrl}/api/agents/ada`);
    const agent = created.body;
    assert.equal(agent.presence, 'offline');
    assert.deepEqual([agent.offers, agent.tasks, agent.rona, agent.notAvailableRequests, agent.notAvailableReasons, agent.lastOfferAt], [[], [], null, [], [], null]);
    assert.equal(agent.idleSince, agent.createdAt);
    assert.equal(agent.imLicensed, true);
    assert.deepEqual(agent.memberships, [
      { serviceId: 'support', profile: 'Duty', priority: 50 },
      { serviceId: 'sales', profile: 'Backup', priority: 70 },
    ]);

    const read = await api<AgentAnswer>('GET', '/api/agents/ada');
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('etag'), created.headers.get('etag'));
    assert.deepEqual(read.body, agent);
    assert.ok(!('memberServiceIds' in read.body), 'storage-only fields stay in storage');
  });

  it('refuses server-owned and unknown fields, naming each, and writes nothing', async () => {
    const res = await api('POST', '/api/agents', {
      body: { id: 'sneaky', ...ada, presence: 'available', offers: [], tasks: [], rona: null, idleSince: '2020-01-01T00:00:00.000Z', createdAt: '2020-01-01T00:00:00.000Z', memberships: [{ serviceId: 'support', onDuty: true }] },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(issuePaths(res).sort(), ['/createdAt', '/idleSince', '/memberships/0/onDuty', '/offers', '/presence', '/rona', '/tasks']);
    assert.equal((await api('GET', '/api/agents/sneaky')).status, 404);
  });

  it('refuses bad values and inconsistent profiles or memberships, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ada, email: 'not-an-email' }, '/email'],
      [{ ...ada, imCapacity: 21 }, '/imCapacity'],
      [{ ...ada, imCapacity: 0 }, '/imCapacity'],
      [{ ...ada, skills: { french: 11 } }, '/skills/french'],
      [{ ...ada, profiles: [{ name: 'duty', onDuty: false }] }, '/profiles/0/name'],
      [{ ...ada, profiles: [{ name: 'Late', onDuty: true }, { name: 'late', onDuty: false }] }, '/profiles/1/name'],
      [{ ...ada, memberships: [{ serviceId: 'support', profile: 'Backup' }] }, '/memberships/0/profile'],
      [{ ...ada, memberships: [{ serviceId: 'support' }, { serviceId: 'support', profile: 'Off Duty' }] }, '/memberships/1/serviceId'],
      [{ ...ada, memberships: [{ serviceId: 'support', priority: 101 }] }, '/memberships/0/priority'],
      [{ ...ada, memberships: [{ serviceId: 'support' }, { serviceId: 'no-such-service' }] }, '/memberships/1/serviceId'],
      [{ email: 'x@contoso.example' }, '/displayName'],
      [{ ...ada, skills: JSON.parse('{"french": 3, "__proto__": 2}') as Record<string, number> }, '/skills/__proto__'],
      [{ ...ada, skills: { '-french': 3 } }, '/skills/-french'],
      [{ ...ada, skills: { french: 3, French: 5 } }, '/skills/French'],
      [{ ...ada, notAvailableReasons: ['Lunch', ' lunch '] }, '/notAvailableReasons/1'],
      [{ ...ada, notAvailableReasons: ['Lunch', '  '] }, '/notAvailableReasons/1'],
      [{ ...ada, notAvailableReasons: Array.from({ length: 51 }, (_, i) => `Reason ${i}`) }, '/notAvailableReasons'],
      [{ ...ada, skills: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`skill ${i}`, 1])) }, '/skills'],
    ];
    for (const [body, pointer] of cases) {
      const res = await api('POST', '/api/agents', { body: { id: 'bad', ...body } });
      assert.equal(res.status, 400, `${pointer}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(issuePaths(res), [pointer], JSON.stringify(res.body));
    }
    assert.equal((await api('GET', '/api/agents/bad')).status, 404, 'nothing half-written');
    const badName = await api<{ error: { issues: { path: string; message: string }[] } }>('POST', '/api/agents', { body: { id: 'bad', ...ada, skills: { '-french': 3 } } });
    assert.match(badName.body.error.issues[0]?.message ?? '', /^invalid name: use letters, digits/, 'the issue says what is wrong with the name');
    const unknownService = await api('POST', '/api/agents', { body: { ...ada, memberships: [{ serviceId: 'no-such-service' }] } });
    assert.equal(errorCode(unknownService), 'AGENT.UNKNOWN_SERVICE');
  });

  it('answers 400 to a malformed body, 409 to a taken id, 404 to unknown ids', async () => {
    const malformed = await api('POST', '/api/agents', { rawBody: '{"displayName": ' });
    assert.equal(malformed.status, 400);
    assert.deepEqual(issuePaths(malformed), ['/']);
    const existing = await api('GET', '/api/agents/ada');
    const taken = await api('POST', '/api/agents', { body: { id: 'ada', ...ada, displayName: 'Not Ada' } });
    assert.equal(taken.status, 409);
    assert.equal(errorCode(taken), 'CONFLICT.EXISTS');
    const after = await api('GET', '/api/agents/ada');
    assert.deepEqual([after.body, after.headers.get('etag')], [existing.body, existing.headers.get('etag')], 'ada is unchanged');
    const unknown = await api('GET', '/api/agents/nobody');
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown), 'AGENT.NOT_FOUND');
    assert.equal((await api('PUT', '/api/agents/nobody', { body: ada, headers: { 'if-match': '"x"' } })).status, 404);
    assert.equal((await api('DELETE', '/api/agents/nobody')).status, 404);
  });

  it('lists agents a page at a time across pages', async () => {
    for (const id of ['list-1', 'list-2', 'list-3']) assert.equal((await api('POST', '/api/agents', { body: { id, ...ada } })).status, 201);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await api<{ items: AgentAnswer[]; continuationToken?: string }>('GET', `/api/agents?pageSize=1${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.items.length <= 1);
      seen.push(...page.body.items.map((a) => a.id));
      token = page.body.continuationToken;
      pages++;
    } while (token && pages < 20);
    assert.deepEqual(seen, ['ada', 'list-1', 'list-2', 'list-3']);
    for (const id of ['list-1', 'list-2', 'list-3']) assert.equal((await api('DELETE', `/api/agents/${id}`)).status, 204);
  });

  it('replaces settings only with a current If-Match: 428 without, 412 stale, nothing changed by either', async () => {
    const before = await api<AgentAnswer>('GET', '/api/agents/ada');
    const etag = before.headers.get('etag') ?? '';
    const update = { ...ada, displayName: 'Ada King', skills: { french: 9 }, memberships: [{ serviceId: 'support', profile: 'Off Duty' }], imCapacity: 2 };

    const missing = await api('PUT', '/api/agents/ada', { body: update });
    assert.equal(missing.status, 428);
    const stale = await api('PUT', '/api/agents/ada', { body: update, headers: { 'if-match': '"stale"' } });
    assert.equal(stale.status, 412);
    const invalid = await api('PUT', '/api/agents/ada', { body: { ...update, presence: 'available' }, headers: { 'if-match': etag } });
    assert.equal(invalid.status, 400);
    assert.deepEqual(issuePaths(invalid), ['/presence']);
    const unknownService = await api('PUT', '/api/agents/ada', { body: { ...update, memberships: [{ serviceId: 'gone' }] }, headers: { 'if-match': etag } });
    assert.equal(unknownService.status, 400);
    assert.deepEqual(issuePaths(unknownService), ['/memberships/0/serviceId']);
    const unchanged = await api<AgentAnswer>('GET', '/api/agents/ada');
    assert.equal(unchanged.headers.get('etag'), etag);
    assert.deepEqual(unchanged.body, before.body);

    const replaced = await api<AgentAnswer>('PUT', '/api/agents/ada', { body: update, headers: { 'if-match': etag } });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.notEqual(replaced.headers.get('etag'), etag);
    assert.equal(replaced.body.displayName, 'Ada King');
    assert.deepEqual(replaced.body.profiles, [], 'full replace: omitted profiles are gone');
    assert.deepEqual(replaced.body.memberships, [{ serviceId: 'support', profile: 'Off Duty', priority: 50 }]);
    assert.equal(replaced.body.createdAt, before.body.createdAt);
    assert.equal(replaced.body.idleSince, before.body.idleSince);
    assert.ok(replaced.body.updatedAt > before.body.updatedAt);
    assert.equal((await api('PUT', '/api/agents/ada', { body: ada, headers: { 'if-match': etag } })).status, 412, 'the old ETag is stale now');
  });

  it('a membership that puts an available agent on duty triggers distribution; live state survives admin edits', async () => {
    const task = await api<{ id: string }>('POST', '/api/services/sales/tasks', { body: {} });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    assert.equal((await api('POST', '/api/agents', { body: { id: 'late', displayName: 'Late Joiner', email: 'late@contoso.example' } })).status, 201);
    const available = await api('PUT', '/api/agents/late/presence', { body: { presence: 'available' } });
    assert.equal(available.status, 200, JSON.stringify(available.body));
    const beforeOffer = await etagOf('late');
    await sleep(300);
    assert.deepEqual((await api<AgentAnswer>('GET', '/api/agents/late')).body.offers, [], 'not a member yet: no offer');

    const joined = await api<AgentAnswer>('PUT', '/api/agents/late', {
      body: { displayName: 'Late Joiner', email: 'late@contoso.example', memberships: [{ serviceId: 'sales' }] },
      headers: { 'if-match': beforeOffer },
    });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    const joinedEtag = joined.headers.get('etag') ?? '';

    let offered: AgentAnswer | undefined;
    for (let i = 0; i < 100 && !offered; i++) {
      const agent = (await api<AgentAnswer>('GET', '/api/agents/late')).body;
      if (agent.offers.length > 0) offered = agent;
      else await sleep(100);
    }
    assert.ok(offered, 'the distributor offered the waiting task once the agent joined the service');
    assert.equal(offered.offers[0]?.taskId, task.body.id);

    // The offer changed the agent's live state, not its settings: the ETag an admin read before it
    // still holds, and the edit keeps the offer.
    assert.equal(await etagOf('late'), joinedEtag, 'the ETag versions the settings only');
    const renamed = await api<AgentAnswer>('PUT', '/api/agents/late', {
      body: { displayName: 'Renamed', email: 'late@contoso.example', memberships: [{ serviceId: 'sales' }] },
      headers: { 'if-match': joinedEtag },
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.displayName, 'Renamed');
    assert.equal(renamed.body.presence, 'available', 'presence kept');
    assert.deepEqual(renamed.body.offers, offered.offers, 'the open offer kept');
    assert.equal(renamed.body.lastOfferAt, offered.lastOfferAt);

    // An agent holding an offer cannot be deleted: the offer would point at nobody.
    const refused = await api('DELETE', '/api/agents/late');
    assert.equal(refused.status, 409);
    assert.equal(errorCode(refused), 'AGENT.HAS_TASKS');
    assert.equal((await api('GET', '/api/agents/late')).status, 200);

    // Going away recalls the offer: the agent holds nothing, and can be deleted.
    const away = await api<{ offers: unknown[] }>('PUT', '/api/agents/late/presence', { body: { presence: 'away' } });
    assert.equal(away.status, 200);
    assert.deepEqual(away.body.offers, [], 'the offer was recalled');
    assert.equal((await api('DELETE', '/api/agents/late', { headers: { 'if-match': '"stale"' } })).status, 412);
    assert.equal((await api('DELETE', '/api/agents/late', { headers: { 'if-match': await etagOf('late') } })).status, 204);
    assert.equal((await api('GET', '/api/agents/late')).status, 404);
  });

  it('serves the agent paths and schemas in the OpenAPI document', async () => {
    const res = await api<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> } }>('GET', '/api/openapi.json', { key: null });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body.paths['/api/agents'] ?? {}).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(res.body.paths['/api/agents/{id}'] ?? {}).sort(), ['delete', 'get', 'put']);
    for (const name of ['Agent', 'AgentCreate', 'AgentUpdate', 'AgentPage']) assert.ok(res.body.components.schemas[name], `schema ${name}`);
    const update = res.body.components.schemas['AgentUpdate'];
    assert.ok(update?.properties && !('presence' in update.properties), 'live state is not part of an update');
    assert.deepEqual(update?.required?.sort(), ['displayName', 'email']);
  });
});
