// The admin API's paths (services and agents) in the OpenAPI document, from the schemas that validate them.
import { AgentCreateBody, AgentPageSchema, AgentSchema, AgentUpdateBody } from './agentSchemas';
import { ErrorBody, functionKeyAuth, openApiRegistry } from './openApiRegistry';
import { PageQuery, ResourceId } from './resourceId';
import { ServiceCreateBody, ServicePageSchema, ServiceSchema, ServiceUpdateBody } from './serviceSchemas';
import { z } from './zod';

export interface AdminResource {
  /** The collection's path segment, e.g. 'services'. */
  readonly collection: string;
  /** The singular noun, e.g. 'service'. */
  readonly noun: string;
  readonly tag: string;
  readonly createBody: z.ZodType;
  readonly updateBody: z.ZodType;
  readonly answer: z.ZodType;
  readonly page: z.ZodType;
  /** Why a delete can be refused with 409. */
  readonly deleteConflict: string;
  /** Why a create can be refused with 409, besides a taken id. */
  readonly createConflict?: string;
  /** Why a replace can be refused with 409. */
  readonly replaceConflict?: string;
}

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, ...json(ErrorBody) });
const etagHeader = z.string().openapi({ description: 'The version of the resource, for If-Match.' });
const security = [{ [functionKeyAuth.name]: [] }];

export function registerAdminResource(r: AdminResource): void {
  const base = `/api/${r.collection}`;
  const item = `${base}/{id}`;
  const params = z.object({ id: ResourceId });
  // The Functions host answers this itself, with no JSON body.
  const unauthorized = { description: 'No valid function key (x-functions-key header or code query parameter).' };
  const badId = problem("An id holding '/', a backslash, '#' or '?' (VALIDATION).");

  openApiRegistry.registerPath({
    method: 'post',
    path: base,
    tags: [r.tag],
    summary: `Create a ${r.noun}`,
    security,
    request: { body: { required: true, ...json(r.createBody) } },
    responses: {
      201: { description: `The ${r.noun} as stored.`, headers: z.object({ ETag: etagHeader, Location: z.string().openapi({ description: `The ${r.noun}'s URL.` }) }), ...json(r.answer) },
      400: problem('The body is not valid JSON, has unknown fields or bad values: each issue names its field by JSON pointer.'),
      401: unauthorized,
      409: problem(`The id is taken (CONFLICT.EXISTS)${r.createConflict ? `, or ${r.createConflict}` : ''}.`),
    },
  });
  openApiRegistry.registerPath({
    method: 'get',
    path: base,
    tags: [r.tag],
    summary: `List ${r.collection}, a page at a time`,
    security,
    request: { query: PageQuery },
    responses: { 200: { description: `A page of ${r.collection}, ordered by id.`, ...json(r.page) }, 400: problem('A bad pageSize or continuationToken.'), 401: unauthorized },
  });
  openApiRegistry.registerPath({
    method: 'get',
    path: item,
    tags: [r.tag],
    summary: `Read a ${r.noun}`,
    security,
    request: { params },
    responses: { 200: { description: `The ${r.noun}.`, headers: z.object({ ETag: etagHeader }), ...json(r.answer) }, 400: badId, 401: unauthorized, 404: problem(`No such ${r.noun}.`) },
  });
  openApiRegistry.registerPath({
    method: 'put',
    path: item,
    tags: [r.tag],
    summary: `Replace a ${r.noun}'s settings`,
    description: 'A full replace of what admins own; server-owned fields are kept. If-Match is required.',
    security,
    request: { params, headers: z.object({ 'if-match': z.string().openapi({ description: 'The ETag you read.' }) }), body: { required: true, ...json(r.updateBody) } },
    responses: {
      200: { description: `The ${r.noun} as stored now.`, headers: z.object({ ETag: etagHeader }), ...json(r.answer) },
      400: problem("Bad body or If-Match header, or an id holding '/', a backslash, '#' or '?'; each issue names its field by JSON pointer."),
      401: unauthorized,
      404: problem(`No such ${r.noun}.`),
      ...(r.replaceConflict ? { 409: problem(r.replaceConflict) } : {}),
      412: problem(`The ${r.noun} changed since that ETag (CONFLICT.STALE_ETAG): read it again.`),
      428: problem('If-Match is missing (PRECONDITION.REQUIRED).'),
    },
  });
  openApiRegistry.registerPath({
    method: 'delete',
    path: item,
    tags: [r.tag],
    summary: `Delete a ${r.noun}`,
    security,
    request: { params, headers: z.object({ 'if-match': z.string().optional().openapi({ description: 'Delete only this version.' }) }) },
    responses: {
      204: { description: 'Deleted.' },
      400: problem("A malformed If-Match header, or an id holding '/', a backslash, '#' or '?'."),
      401: unauthorized,
      404: problem(`No such ${r.noun}.`),
      409: problem(r.deleteConflict),
      412: problem(`The ${r.noun} changed since that ETag (CONFLICT.STALE_ETAG).`),
    },
  });
}

registerAdminResource({
  collection: 'services',
  noun: 'service',
  tag: 'Services',
  createBody: ServiceCreateBody,
  updateBody: ServiceUpdateBody,
  answer: ServiceSchema,
  page: ServicePageSchema,
  deleteConflict: "The service still has tasks that are not over (SERVICE.HAS_TASKS), member agents, or workflows that transfer to it (SERVICE.IN_USE); the message names them. Or a delete of it is under way already (SERVICE.BEING_DELETED).",
  replaceConflict: 'A delete of the service is under way (SERVICE.BEING_DELETED).',
});

registerAdminResource({
  collection: 'agents',
  noun: 'agent',
  tag: 'Agents',
  createBody: AgentCreateBody,
  updateBody: AgentUpdateBody,
  answer: AgentSchema,
  page: AgentPageSchema,
  deleteConflict: 'The agent holds offers or tasks (AGENT.HAS_TASKS).',
  createConflict: 'a membership names a service whose delete is under way (SERVICE.BEING_DELETED, with its JSON pointer; an agent that raced the delete is not kept)',
  replaceConflict: 'A membership added names a service whose delete is under way (SERVICE.BEING_DELETED, with its JSON pointer; a change that raced the delete is undone).',
});
