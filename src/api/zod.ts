// zod with OpenAPI metadata: every edge schema comes from here, so the same schemas validate
// requests and produce /api/openapi.json.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
