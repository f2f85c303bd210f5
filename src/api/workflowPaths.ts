// The workflow and calendar admin paths in the OpenAPI document.
import { registerAdminResource } from './adminPaths';
import { CalendarCreateBody, CalendarPageSchema, CalendarSchema, CalendarUpdateBody } from './calendarSchemas';
import { ErrorBody, functionKeyAuth, openApiRegistry } from './openApiRegistry';
import { PageQuery, ResourceId } from './resourceId';
import { WorkflowCreateBody, WorkflowPageSchema, WorkflowSchema, WorkflowUpdateBody } from './workflowSchemas';
import { z } from './zod';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, ...json(ErrorBody) });
const security = [{ [functionKeyAuth.name]: [] }];
const etag = z.string().openapi({ description: 'The workflow\'s version tag, for If-Match.' });
// The Functions host answers this itself, with no JSON body.
const unauthorized = { description: 'No valid function key (x-functions-key header or code query parameter).' };
const refused = problem(
  'The workflow is refused: not valid JSON, unknown fields, an activity IM does not support, exits leading nowhere, unreachable nodes, cycles without a wait, timers over 6 days, bad URLs, ' +
    'or calendars/services that do not exist (WORKFLOW.INVALID). Each issue names its JSON pointer and the activity (node id).',
);
const params = z.object({ id: ResourceId });

openApiRegistry.registerPath({
  method: 'post',
  path: '/api/workflows',
  tags: ['Workflows'],
  summary: 'Create an IM workflow (version 1)',
  security,
  request: { body: { required: true, ...json(WorkflowCreateBody) } },
  responses: {
    201: { description: 'Version 1 as stored.', headers: z.object({ ETag: etag, Location: z.string() }), ...json(WorkflowSchema) },
    400: refused,
    401: unauthorized,
    409: problem('The id is taken (CONFLICT.EXISTS).'),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/api/workflows',
  tags: ['Workflows'],
  summary: 'List workflows (id, name, current version), a page at a time',
  security,
  request: { query: PageQuery },
  responses: { 200: { description: 'A page of workflows, ordered by id.', ...json(WorkflowPageSchema) }, 400: problem('A bad pageSize or continuationToken.'), 401: unauthorized },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/api/workflows/{id}',
  tags: ['Workflows'],
  summary: "Read a workflow's current version",
  security,
  request: { params },
  responses: { 200: { description: 'The current version.', headers: z.object({ ETag: etag }), ...json(WorkflowSchema) }, 401: unauthorized, 404: problem('No such workflow (WORKFLOW.NOT_FOUND).') },
});

openApiRegistry.registerPath({
  method: 'put',
  path: '/api/workflows/{id}',
  tags: ['Workflows'],
  summary: 'Save a new version of a workflow',
  description: 'Writes version n+1 and makes it current; tasks already running keep the version they started with. If-Match is required.',
  security,
  request: { params, headers: z.object({ 'if-match': z.string().openapi({ description: 'The ETag you read.' }) }), body: { required: true, ...json(WorkflowUpdateBody) } },
  responses: {
    200: { description: 'The new version.', headers: z.object({ ETag: etag, 'Content-Location': z.string() }), ...json(WorkflowSchema) },
    400: refused,
    401: unauthorized,
    404: problem('No such workflow.'),
    412: problem('The workflow changed since that ETag (CONFLICT.STALE_ETAG): read it again.'),
    428: problem('If-Match is missing (PRECONDITION.REQUIRED).'),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/api/workflows/{id}/versions/{version}',
  tags: ['Workflows'],
  summary: 'Read one version of a workflow (versions never change)',
  security,
  request: { params: z.object({ id: ResourceId, version: z.string().openapi({ description: 'The version number, from 1.', example: '2' }) }) },
  responses: {
    200: { description: 'The version.', ...json(WorkflowSchema) },
    400: problem('The version is not a number.'),
    401: unauthorized,
    404: problem('No such workflow or version (WORKFLOW.VERSION_NOT_FOUND).'),
  },
});

registerAdminResource({
  collection: 'calendars',
  noun: 'calendar',
  tag: 'Calendars',
  createBody: CalendarCreateBody,
  updateBody: CalendarUpdateBody,
  answer: CalendarSchema,
  page: CalendarPageSchema,
  deleteConflict: "A workflow's current version checks this calendar (CALENDAR.IN_USE).",
});
