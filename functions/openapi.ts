// GET /api/openapi.json: the API's OpenAPI 3.1 document, generated from the zod schemas that validate requests.
import { app } from '@azure/functions';
import '../src/api/adminPaths';
import '../src/api/chatPaths';
import '../src/api/distributionPaths';
import '../src/api/workflowPaths';
import { openApiDocument } from '../src/api/openApiRegistry';

app.http('openApi', {
  methods: ['GET'],
  route: 'openapi.json',
  authLevel: 'anonymous',
  handler: (request) => {
    // Built per request: every module registers its paths at load, and the document is small.
    return Promise.resolve({ jsonBody: openApiDocument(new URL(request.url).origin), headers: { 'cache-control': 'no-cache' } });
  },
});
