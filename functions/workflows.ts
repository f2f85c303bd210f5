// Admin API for IM workflows: POST/GET /api/workflows, GET/PUT /api/workflows/{id},
// GET /api/workflows/{id}/versions/{version} (function key). Every PUT writes a new version.
import { app, type HttpRequest } from '@azure/functions';
import { createWorkflow, getWorkflow, getWorkflowVersion, listWorkflows, replaceWorkflow } from '../src/admin/workflowAdmin';
import { etagHeader, parseIfMatch } from '../src/api/etags';
import { PreconditionError, ValidationError } from '../src/api/httpErrors';
import { decodePageToken, encodePageToken } from '../src/api/pageToken';
import { parseJsonBody, parseWith } from '../src/api/parseRequest';
import { PageQuery } from '../src/api/resourceId';
import { parseWorkflowBody, workflowAnswer, WorkflowCreateBody, WorkflowUpdateBody } from '../src/api/workflowSchemas';
import { z } from '../src/api/zod';
import { switchboard } from '../src/app/switchboard';
import { bodyText, handle, param, queryOf } from './http/handle';

const sb = switchboard();
const deps = { workflows: sb.workflows.store, calendars: sb.workflows.calendars, services: sb.distribution.services, clock: sb.distribution.clock };

function urlOf(request: HttpRequest, path: string): string {
  return new URL(path, request.url).toString();
}

/** The JSON of a body, unchecked: workflow bodies are checked whole by parseWorkflowBody. */
async function jsonOf(request: HttpRequest): Promise<unknown> {
  return parseJsonBody(z.unknown(), await bodyText(request));
}

app.http('createWorkflow', {
  methods: ['POST'],
  route: 'workflows',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { id, ...definition } = parseWorkflowBody(WorkflowCreateBody, await jsonOf(request));
    const created = await createWorkflow(deps, definition, id);
    const path = `/api/workflows/${encodeURIComponent(created.version.workflowId)}`;
    return {
      status: 201,
      headers: { location: urlOf(request, path), 'content-location': urlOf(request, `${path}/versions/1`), etag: etagHeader(created.etag) },
      jsonBody: workflowAnswer(created.version),
    };
  }),
});

app.http('listWorkflows', {
  methods: ['GET'],
  route: 'workflows',
  authLevel: 'function',
  handler: handle(async (request) => {
    const query = parseWith(PageQuery, queryOf(request), 'query');
    const page = await listWorkflows(deps, query.pageSize, decodePageToken('workflows', query.continuationToken));
    const continuationToken = encodePageToken('workflows', page.continuationToken);
    const items = page.items.map(({ value: { id, name, currentVersion, createdAt, updatedAt } }) => ({ id, name, currentVersion, createdAt, updatedAt }));
    return { jsonBody: { items, ...(continuationToken ? { continuationToken } : {}) } };
  }),
});

app.http('getWorkflow', {
  methods: ['GET'],
  route: 'workflows/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { version, etag } = await getWorkflow(deps, param(request, 'id'));
    return { headers: { etag: etagHeader(etag) }, jsonBody: workflowAnswer(version) };
  }),
});

app.http('replaceWorkflow', {
  methods: ['PUT'],
  route: 'workflows/{id}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const condition = parseIfMatch(request.headers.get('if-match'));
    if (!condition) throw new PreconditionError(428, 'PUT needs If-Match with the ETag you read, so no change is lost');
    const definition = parseWorkflowBody(WorkflowUpdateBody, await jsonOf(request));
    const { version, etag } = await replaceWorkflow(deps, param(request, 'id'), definition, condition);
    const path = `/api/workflows/${encodeURIComponent(version.workflowId)}/versions/${version.version}`;
    return { headers: { etag: etagHeader(etag), 'content-location': urlOf(request, path) }, jsonBody: workflowAnswer(version) };
  }),
});

app.http('getWorkflowVersion', {
  methods: ['GET'],
  route: 'workflows/{id}/versions/{version}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const text = param(request, 'version');
    if (!/^[1-9]\d{0,8}$/.test(text)) throw new ValidationError(`path: /version "${text}" is not a version number`, [{ path: '/version', message: 'must be a version number: 1, 2, ...' }]);
    const version = await getWorkflowVersion(deps, param(request, 'id'), Number(text));
    return { headers: { 'cache-control': 'private, max-age=86400, immutable' }, jsonBody: workflowAnswer(version) };
  }),
});
