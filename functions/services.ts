// Admin API for services: POST/GET/PUT/DELETE /api/services[/{id}] (function key).
import { app, type HttpRequest } from '@azure/functions';
import { createService, deleteService, getService, listServices, replaceService } from '../src/admin/serviceAdmin';
import { etagHeader, parseIfMatch } from '../src/api/etags';
import { PreconditionError } from '../src/api/httpErrors';
import { parseJsonBody, parseWith } from '../src/api/parseRequest';
import { decodePageToken, encodePageToken } from '../src/api/pageToken';
import { PageQuery } from '../src/api/resourceId';
import { ServiceCreateBody, ServiceUpdateBody } from '../src/api/serviceSchemas';
import { switchboard } from '../src/app/switchboard';
import { handle, param } from './http/handle';

const deps = { ...switchboard().distribution, workflows: switchboard().workflows.store };

function locationOf(request: HttpRequest, id: string): string {
  return new URL(`/api/services/${encodeURIComponent(id)}`, request.url).toString();
}

app.http('createService', {
  methods: ['POST'],
  route: 'services',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { id, ...settings } = parseJsonBody(ServiceCreateBody, await request.text());
    const created = await createService(deps, settings, id);
    return { status: 201, headers: { location: locationOf(request, created.value.id), etag: etagHeader(created.etag) }, jsonBody: created.value };
  }),
});

app.http('listServices', {
  methods: ['GET'],
  route: 'services',
  authLevel: 'function',
  handler: handle(async (request) => {
    const query = parseWith(PageQuery, Object.fromEntries(request.query), 'query');
    const page = await listServices(deps, query.pageSize, decodePageToken('services', query.continuationToken));
    const continuationToken = encodePageToken('services', page.continuationToken);
    return { jsonBody: { items: page.items.map((i) => i.value), ...(continuationToken ? { continuationToken } : {}) } };
  }),
});

app.http('getService', {
  methods: ['GET'],
  route: 'services/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { value, etag } = await getService(deps, param(request, 'id'));
    return { headers: { etag: etagHeader(etag) }, jsonBody: value };
  }),
});

app.http('replaceService', {
  methods: ['PUT'],
  route: 'services/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const condition = parseIfMatch(request.headers.get('if-match'));
    if (!condition) throw new PreconditionError(428, 'PUT needs If-Match with the ETag you read, so no change is lost');
    const settings = parseJsonBody(ServiceUpdateBody, await request.text());
    const { value, etag } = await replaceService(deps, param(request, 'id'), settings, condition);
    return { headers: { etag: etagHeader(etag) }, jsonBody: value };
  }),
});

app.http('deleteService', {
  methods: ['DELETE'],
  route: 'services/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    await deleteService(deps, param(request, 'id'), parseIfMatch(request.headers.get('if-match')));
    return { status: 204 };
  }),
});
