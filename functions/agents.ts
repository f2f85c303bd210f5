// Admin API for agents: POST/GET/PUT/DELETE /api/agents[/{id}] (function key).
import { app, type HttpRequest } from '@azure/functions';
import { createAgent, deleteAgent, getAgent, listAgents, replaceAgent } from '../src/admin/agentAdmin';
import { AgentCreateBody, AgentUpdateBody } from '../src/api/agentSchemas';
import { etagHeader, parseIfMatch } from '../src/api/etags';
import { PreconditionError } from '../src/api/httpErrors';
import { parseJsonBody, parseWith } from '../src/api/parseRequest';
import { decodePageToken, encodePageToken } from '../src/api/pageToken';
import { PageQuery } from '../src/api/resourceId';
import { switchboard } from '../src/app/switchboard';
import { handle, param } from './http/handle';

const deps = switchboard().distribution;

function locationOf(request: HttpRequest, id: string): string {
  return new URL(`/api/agents/${encodeURIComponent(id)}`, request.url).toString();
}

app.http('createAgent', {
  methods: ['POST'],
  route: 'agents',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { id, ...settings } = parseJsonBody(AgentCreateBody, await request.text());
    const created = await createAgent(deps, settings, id);
    return { status: 201, headers: { location: locationOf(request, created.value.id), etag: etagHeader(created.etag) }, jsonBody: created.value };
  }),
});

app.http('listAgents', {
  methods: ['GET'],
  route: 'agents',
  authLevel: 'function',
  handler: handle(async (request) => {
    const query = parseWith(PageQuery, Object.fromEntries(request.query), 'query');
    const page = await listAgents(deps, query.pageSize, decodePageToken('agents', query.continuationToken));
    const continuationToken = encodePageToken('agents', page.continuationToken);
    return { jsonBody: { items: page.items.map((i) => i.value), ...(continuationToken ? { continuationToken } : {}) } };
  }),
});

app.http('getAgent', {
  methods: ['GET'],
  route: 'agents/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { value, etag } = await getAgent(deps, param(request, 'id'));
    return { headers: { etag: etagHeader(etag) }, jsonBody: value };
  }),
});

app.http('replaceAgent', {
  methods: ['PUT'],
  route: 'agents/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const condition = parseIfMatch(request.headers.get('if-match'));
    if (!condition) throw new PreconditionError(428, 'PUT needs If-Match with the ETag you read, so no change is lost');
    const settings = parseJsonBody(AgentUpdateBody, await request.text());
    const { value, etag } = await replaceAgent(deps, param(request, 'id'), settings, condition);
    return { headers: { etag: etagHeader(etag) }, jsonBody: value };
  }),
});

app.http('deleteAgent', {
  methods: ['DELETE'],
  route: 'agents/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    await deleteAgent(deps, param(request, 'id'), parseIfMatch(request.headers.get('if-match')));
    return { status: 204 };
  }),
});
