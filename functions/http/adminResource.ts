// The five admin endpoints of a resource (create, list, read, replace with If-Match, delete),
// registered the same way for services, agents and calendars; only the use cases and schemas differ.
import { app, type HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { etagHeader, parseIfMatch } from '../../src/api/etags';
import { PreconditionError } from '../../src/api/httpErrors';
import { decodePageToken, encodePageToken } from '../../src/api/pageToken';
import { parseJsonBody, parseWith } from '../../src/api/parseRequest';
import { PageQuery } from '../../src/api/resourceId';
import type { EtagCondition } from '../../src/admin/etagCondition';
import type { Page, Versioned } from '../../src/distribution/ports';
import { bodyText, handle, param, queryOf } from './handle';

export interface AdminResource<Deps, T, CreateSchema extends z.ZodType<{ id?: string | undefined }>, UpdateSchema extends z.ZodType> {
  /** The collection's path segment, e.g. 'calendars'. */
  readonly collection: string;
  /** Used in the function names, e.g. 'Calendar' gives createCalendar, listCalendars... */
  readonly noun: string;
  readonly deps: Deps;
  readonly createBody: CreateSchema;
  readonly updateBody: UpdateSchema;
  create(deps: Deps, settings: Omit<z.output<CreateSchema>, 'id'>, id: string | undefined): Promise<Versioned<T>>;
  list(deps: Deps, pageSize: number, continuationToken: string | undefined): Promise<Page<T>>;
  get(deps: Deps, id: string): Promise<Versioned<T>>;
  replace(deps: Deps, id: string, settings: z.output<UpdateSchema>, condition: EtagCondition): Promise<Versioned<T>>;
  remove(deps: Deps, id: string, condition?: EtagCondition): Promise<unknown>;
}

export function registerAdminResource<Deps, T extends { readonly id: string }, CreateSchema extends z.ZodType<{ id?: string | undefined }>, UpdateSchema extends z.ZodType>(
  r: AdminResource<Deps, T, CreateSchema, UpdateSchema>,
): void {
  const locationOf = (request: HttpRequest, id: string): string => new URL(`/api/${r.collection}/${encodeURIComponent(id)}`, request.url).toString();
  const item = `${r.collection}/{id}`;

  app.http(`create${r.noun}`, {
    methods: ['POST'],
    route: r.collection,
    authLevel: 'function',
    handler: handle(async (request) => {
      const { id, ...settings } = parseJsonBody(r.createBody, await bodyText(request));
      const created = await r.create(r.deps, settings as Omit<z.output<CreateSchema>, 'id'>, id);
      return { status: 201, headers: { location: locationOf(request, created.value.id), etag: etagHeader(created.etag) }, jsonBody: created.value };
    }),
  });

  app.http(`list${r.noun}s`, {
    methods: ['GET'],
    route: r.collection,
    authLevel: 'function',
    handler: handle(async (request) => {
      const query = parseWith(PageQuery, queryOf(request), 'query');
      const page = await r.list(r.deps, query.pageSize, decodePageToken(r.collection, query.continuationToken));
      const continuationToken = encodePageToken(r.collection, page.continuationToken);
      return { jsonBody: { items: page.items.map((i) => i.value), ...(continuationToken ? { continuationToken } : {}) } };
    }),
  });

  app.http(`get${r.noun}`, {
    methods: ['GET'],
    route: item,
    authLevel: 'function',
    handler: handle(async (request) => {
      const { value, etag } = await r.get(r.deps, param(request, 'id'));
      return { headers: { etag: etagHeader(etag) }, jsonBody: value };
    }),
  });

  app.http(`replace${r.noun}`, {
    methods: ['PUT'],
    route: item,
    authLevel: 'function',
    handler: handle(async (request) => {
      const condition = parseIfMatch(request.headers.get('if-match'));
      if (!condition) throw new PreconditionError(428, 'PUT needs If-Match with the ETag you read, so no change is lost');
      const settings = parseJsonBody(r.updateBody, await bodyText(request));
      const { value, etag } = await r.replace(r.deps, param(request, 'id'), settings, condition);
      return { headers: { etag: etagHeader(etag) }, jsonBody: value };
    }),
  });

  app.http(`delete${r.noun}`, {
    methods: ['DELETE'],
    route: item,
    authLevel: 'function',
    handler: handle(async (request) => {
      await r.remove(r.deps, param(request, 'id'), parseIfMatch(request.headers.get('if-match')));
      return { status: 204 };
    }),
  });
}
