// Child-process entry for the Cosmos DB emulator: @vercel/cosmosdb-server over plain HTTP.
// The server advertises https:// regional endpoints in its account document, which would send the
// real SDK's endpoint discovery to TLS on a plain port; devhost answers with the scheme it serves.
// Query plan requests are answered as the gateway does (cosmosQueryPlan.ts), not run as queries;
// conditional patches are decided as Cosmos DB decides them (cosmosPatchCondition.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpServer } from '@vercel/cosmosdb-server';
import { installOrderIndexesInCosmosServer } from './cosmosOrderIndex';
import { installPatchConditionsInCosmosServer } from './cosmosPatchCondition';
import { answerQueryPlan, isQueryPlanRequest } from './cosmosQueryPlan';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const [port = '8081', host = '127.0.0.1'] = process.argv.slice(2);
installOrderIndexesInCosmosServer();
installPatchConditionsInCosmosServer();
const server = createHttpServer({ keepAlive: true });
// Longer than any client keeps an idle socket: otherwise the server closes a socket the SDK is
// about to reuse, and that request fails with ECONNRESET (Node's default is 5 s).
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
const listeners = server.listeners('request') as RequestListener[];
server.removeAllListeners('request');
server.on('request', (req: IncomingMessage, res: ServerResponse) => {
  if (isQueryPlanRequest(req)) {
    answerQueryPlan(req, res);
    return;
  }
  if (req.method === 'GET' && (req.url === '/' || req.url === '')) {
    const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
    (res as { end: (chunk?: unknown) => ServerResponse }).end = (chunk?: unknown) =>
      end(typeof chunk === 'string' ? chunk.replaceAll('"https://', '"http://') : chunk);
  }
  for (const listener of listeners) listener(req, res);
});
server.listen(Number(port), host, () => process.stdout.write(`cosmos emulator on http://${host}:${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
