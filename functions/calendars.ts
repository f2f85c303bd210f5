// Admin API for calendars (opening hours): POST/GET/PUT/DELETE /api/calendars[/{id}] (function key).
import { app, type HttpRequest } from '@azure/functions';
import { createCalendar, deleteCalendar, getCalendar, listCalendars, replaceCalendar } from '../src/admin/calendarAdmin';
import { CalendarCreateBody, CalendarUpdateBody } from '../src/api/calendarSchemas';
import { etagHeader, parseIfMatch } from '../src/api/etags';
import { PreconditionError } from '../src/api/httpErrors';
import { decodePageToken, encodePageToken } from '../src/api/pageToken';
import { parseJsonBody, parseWith } from '../src/api/parseRequest';
import { PageQuery } from '../src/api/resourceId';
import { switchboard } from '../src/app/switchboard';
import { handle, param } from './http/handle';

const sb = switchboard();
const deps = { calendars: sb.workflows.calendars, workflows: sb.workflows.store, clock: sb.distribution.clock };

function locationOf(request: HttpRequest, id: string): string {
  return new URL(`/api/calendars/${encodeURIComponent(id)}`, request.url).toString();
}

app.http('createCalendar', {
  methods: ['POST'],
  route: 'calendars',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { id, ...settings } = parseJsonBody(CalendarCreateBody, await request.text());
    const created = await createCalendar(deps, settings, id);
    return { status: 201, headers: { location: locationOf(request, created.value.id), etag: etagHeader(created.etag) }, jsonBody: created.value };
  }),
});

app.http('listCalendars', {
  methods: ['GET'],
  route: 'calendars',
  authLevel: 'function',
  handler: handle(async (request) => {
    const query = parseWith(PageQuery, Object.fromEntries(request.query), 'query');
    const page = await listCalendars(deps, query.pageSize, decodePageToken('calendars', query.continuationToken));
    const continuationToken = encodePageToken('calendars', page.continuationToken);
    return { jsonBody: { items: page.items.map((i) => i.value), ...(continuationToken ? { continuationToken } : {}) } };
  }),
});

app.http('getCalendar', {
  methods: ['GET'],
  route: 'calendars/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { value, etag } = await getCalendar(deps, param(request, 'id'));
    return { headers: { etag: etagHeader(etag) }, jsonBody: value };
  }),
});

app.http('replaceCalendar', {
  methods: ['PUT'],
  route: 'calendars/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const condition = parseIfMatch(request.headers.get('if-match'));
    if (!condition) throw new PreconditionError(428, 'PUT needs If-Match with the ETag you read, so no change is lost');
    const settings = parseJsonBody(CalendarUpdateBody, await request.text());
    const { value, etag } = await replaceCalendar(deps, param(request, 'id'), settings, condition);
    return { headers: { etag: etagHeader(etag) }, jsonBody: value };
  }),
});

app.http('deleteCalendar', {
  methods: ['DELETE'],
  route: 'calendars/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    await deleteCalendar(deps, param(request, 'id'), parseIfMatch(request.headers.get('if-match')));
    return { status: 204 };
  }),
});
