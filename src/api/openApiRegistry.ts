// The one registry every API module adds its schemas and paths to.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from './zod';

export const openApiRegistry = new OpenAPIRegistry();

export const functionKeyAuth = openApiRegistry.registerComponent('securitySchemes', 'functionKey', {
  type: 'apiKey',
  in: 'header',
  name: 'x-functions-key',
  description: 'A function key (admin, agent and external task APIs).',
});

export const ErrorBody = openApiRegistry.register(
  'Error',
  z
    .object({
      error: z.object({
        code: z.string().openapi({ example: 'VALIDATION' }),
        message: z.string(),
        issues: z
          .array(
            z.object({
              path: z.string().openapi({ example: '/distribution/ronaTimeoutSeconds' }),
              message: z.string(),
              activity: z.string().optional().openapi({ description: 'For a workflow: the id of the node (activity) the issue is about.' }),
            }),
          )
          .optional(),
        details: z.record(z.string(), z.unknown()).optional(),
      }),
    })
    .openapi({ description: 'Every 4xx and 5xx answer has this shape.' }),
);

export function openApiDocument(serverUrl?: string): object {
  const document = new OpenApiGeneratorV31(openApiRegistry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Switchboard API', version: '1.0.0', description: 'IM task distribution: admin, agent and external task APIs.' },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
  });
  // Every route with a body answers 415 to one sent as something other than JSON (functions/http/handle.ts).
  const unsupported = { description: 'The body was sent with a Content-Type other than JSON (UNSUPPORTED_MEDIA_TYPE).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  for (const path of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(path as Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>)) {
      if (operation.requestBody && operation.responses && !operation.responses['415']) operation.responses['415'] = unsupported;
    }
  }
  return document;
}
