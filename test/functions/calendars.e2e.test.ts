// The admin API for calendars (opening hours) through devhost: CRUD, If-Match, field-naming 400s,
// and a calendar a workflow checks cannot be deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, errorCode, issuePaths, type Api } from '../support/adminApi';
import type { DevhostProcess } from '../support/devhost';
import { startSwitchboard } from '../support/switchboard';

interface CalendarAnswer {
  id: string;
  name: string;
  timeZone: string;
  weekly: Record<string, { from: string; to: string }[]>;
  holidays: { date: string; name: string; annual: boolean }[];
  specialDays: { date: string; name: string; hours: { from: string; to: string }[] }[];
  createdAt: string;
  updatedAt: string;
}

const weekday = [{ from: '08:00', to: '12:00' }, { from: '13:00', to: '17:30' }];
const zurich = {
  name: 'Zurich office',
  timeZone: 'Europe/Zurich',
  weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
  holidays: [{ date: '2026-08-01', name: 'National Day', annual: true }, { date: '2026-12-25', name: 'Christmas' }],
  specialDays: [{ date: '2026-12-24', name: 'Christmas Eve', hours: [{ from: '08:00', to: '12:00' }] }],
};

describe('admin API: /api/calendars', () => {
  let devhost: DevhostProcess;
  let api: Api;

  before(async () => {
    devhost = await startSwitchboard({ emulators: ['azurite', 'cosmos'] });
    api = adminApi(devhost.baseUrl);
  });
  after(async () => {
    await devhost?.stop();
  });

  it('needs a function key', async () => {
    assert.equal((await api('GET', '/api/calendars', { key: null })).status, 401);
    assert.equal((await api('POST', '/api/calendars', { key: null, body: { id: 'nokey', ...zurich } })).status, 401);
  });

  it('creates a calendar with defaults (201, Location, ETag) and reads it back', async () => {
    const created = await api<CalendarAnswer>('POST', '/api/calendars', { body: { id: 'zurich', ...zurich } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), `${devhost.baseUrl}/api/calendars/zurich`);
    assert.ok(/^".+"$/.test(created.headers.get('etag') ?? ''));
    assert.deepEqual(created.body.weekly, { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday, sat: [], sun: [] }, 'days left out are closed');
    assert.deepEqual(created.body.holidays[1], { date: '2026-12-25', name: 'Christmas', annual: false });
    const read = await api<CalendarAnswer>('GET', '/api/calendars/zurich');
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('etag'), created.headers.get('etag'));
    assert.deepEqual(read.body, created.body);
    assert.equal((await api('POST', '/api/calendars', { body: { id: 'zurich', ...zurich } })).status, 409);
  });

  it('refuses bad calendars, naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ ...zurich, timeZone: 'Europe/Atlantis' }, '/timeZone'],
      [{ ...zurich, timeZone: 'CEST' }, '/timeZone'],
      [{ ...zurich, weekly: { mon: [{ from: '8:00', to: '12:00' }] } }, '/weekly/mon/0/from'],
      [{ ...zurich, weekly: { mon: [{ from: '22:00', to: '02:00' }] } }, '/weekly/mon/0/to'],
      [{ ...zurich, weekly: { tue: [{ from: '08:00', to: '12:00' }, { from: '11:00', to: '13:00' }] } }, '/weekly/tue/1'],
      [{ ...zurich, weekly: { monday: [] } }, '/weekly/monday'],
      [{ ...zurich, holidays: [{ date: '2026-02-30', name: 'Nope' }] }, '/holidays/0/date'],
      [{ ...zurich, holidays: [{ date: '2026-12-25', name: 'A' }, { date: '2026-12-25', name: 'B' }] }, '/holidays/1/date'],
      [{ ...zurich, specialDays: [{ date: '2026-12-25', name: 'Open Christmas', hours: [] }] }, '/specialDays/0/date'],
      [{ ...zurich, specialDays: [{ date: '2026-12-24', name: 'Eve', hours: [{ from: '08:00', to: '25:00' }] }] }, '/specialDays/0/hours/0/to'],
      [{ ...zurich, colour: 'blue' }, '/colour'],
      [{ ...zurich, holidays: [{ date: '2026-12-26', name: 'Boxing Day', allDay: false }] }, '/holidays/0/allDay'],
    ];
    for (const [body, pointer] of cases) {
      const res = await api('POST', '/api/calendars', { body: { id: 'bad', ...(body as object) } });
      assert.equal(res.status, 400, `${pointer}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(issuePaths(res), [pointer], JSON.stringify(res.body));
    }
    assert.equal((await api('GET', '/api/calendars/bad')).status, 404, 'nothing written');
  });

  it('replaces only with a current If-Match: 428 without, 412 stale, 200 current', async () => {
    const before = await api<CalendarAnswer>('GET', '/api/calendars/zurich');
    const etag = before.headers.get('etag') ?? '';
    const update = { ...zurich, name: 'Zurich (winter)', timeZone: 'Europe/Zurich', holidays: [] };
    const missing = await api('PUT', '/api/calendars/zurich', { body: update });
    assert.equal(missing.status, 428);
    const stale = await api('PUT', '/api/calendars/zurich', { body: update, headers: { 'if-match': '"stale"' } });
    assert.equal(stale.status, 412);
    assert.equal(errorCode(stale), 'CONFLICT.STALE_ETAG');
    assert.equal((await api<CalendarAnswer>('GET', '/api/calendars/zurich')).body.name, 'Zurich office', 'unchanged');
    const replaced = await api<CalendarAnswer>('PUT', '/api/calendars/zurich', { body: update, headers: { 'if-match': etag } });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.name, 'Zurich (winter)');
    assert.deepEqual(replaced.body.holidays, []);
    assert.equal(replaced.body.createdAt, before.body.createdAt);
    assert.notEqual(replaced.headers.get('etag'), etag);
    const again = await api('PUT', '/api/calendars/zurich', { body: update, headers: { 'if-match': etag } });
    assert.equal(again.status, 412, 'the old ETag is stale now');
    assert.equal((await api('PUT', '/api/calendars/nope', { body: update, headers: { 'if-match': '*' } })).status, 404);
  });

  it('lists calendars a page at a time', async () => {
    for (const id of ['cal-a', 'cal-b']) assert.equal((await api('POST', '/api/calendars', { body: { id, ...zurich } })).status, 201);
    const first = await api<{ items: CalendarAnswer[]; continuationToken?: string }>('GET', '/api/calendars?pageSize=2');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.items.map((c) => c.id), ['cal-a', 'cal-b']);
    assert.ok(first.body.continuationToken);
    const second = await api<{ items: CalendarAnswer[]; continuationToken?: string }>('GET', `/api/calendars?pageSize=2&continuationToken=${encodeURIComponent(first.body.continuationToken)}`);
    assert.deepEqual(second.body.items.map((c) => c.id), ['zurich']);
    assert.equal(second.body.continuationToken, undefined);
  });

  it('refuses to delete a calendar a current workflow checks (409), deletes it once no workflow does', async () => {
    const workflow = (calendarId: string) => ({
      name: 'Hours',
      modality: 'IM',
      start: 'hours',
      nodes: [
        { id: 'hours', settings: { type: 'CheckOpeningHours', calendarId }, exits: { open: 'bye', closed: 'bye', holiday: 'bye' } },
        { id: 'bye', settings: { type: 'Disconnect' } },
      ],
    });
    const created = await api('POST', '/api/workflows', { body: { id: 'hours-check', ...workflow('cal-a') } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const refused = await api('DELETE', '/api/calendars/cal-a');
    assert.equal(refused.status, 409);
    assert.equal(errorCode(refused), 'CALENDAR.IN_USE');
    assert.match(JSON.stringify(refused.body), /hours-check/);
    assert.equal((await api('GET', '/api/calendars/cal-a')).status, 200, 'still there');

    const moved = await api('PUT', '/api/workflows/hours-check', { body: workflow('cal-b'), headers: { 'if-match': created.headers.get('etag') ?? '' } });
    assert.equal(moved.status, 200);
    assert.equal((await api('DELETE', '/api/calendars/cal-a', { headers: { 'if-match': '"stale"' } })).status, 412);
    assert.equal((await api('DELETE', '/api/calendars/cal-a')).status, 204);
    assert.equal((await api('GET', '/api/calendars/cal-a')).status, 404);
    const gone = await api('DELETE', '/api/calendars/cal-a');
    assert.equal(gone.status, 404);
    assert.equal(errorCode(gone), 'CALENDAR.NOT_FOUND');
  });

  it('is in the OpenAPI document', async () => {
    const doc = await api<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/openapi.json');
    assert.deepEqual(Object.keys(doc.body.paths['/api/calendars'] ?? {}).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(doc.body.paths['/api/calendars/{id}'] ?? {}).sort(), ['delete', 'get', 'put']);
  });
});
