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
  return new OpenApiGeneratorV31(openApiRegistry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Switchboard API', version: '1.0.0', description: 'IM task distribution: admin, agent and external task APIs.' },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
  });
}
