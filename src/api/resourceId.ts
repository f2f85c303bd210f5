// Ids admins may give services and agents: safe in a URL path segment and as a Cosmos id.
import { z } from './zod';

/** Letters, digits, '.', '_' and '-', starting with a letter or digit (Cosmos refuses '/', '\', '?' and '#'). */
export const ResourceId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-", starting with a letter or digit')
  .openapi({ example: 'support' });

/** The query of a paged list: `?pageSize=&continuationToken=`. */
export const PageQuery = z
  .object({
    pageSize: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: 'Items per page (1..100, default 20).' }),
    continuationToken: z.string().min(1).max(8000).optional().openapi({ description: 'The token of the previous page, to read the next one.' }),
  })
  .strict();
