// Cosmos DB for NoSQL: @vercel/cosmosdb-server speaking the REST API over plain HTTP, so the
// unchanged @azure/cosmos client needs only a different endpoint setting (no TLS exception).
// Data lives in memory: a restart starts empty.
import { startChildEmulator, type RunningEmulator } from './childEmulator';

export const defaultCosmosPort = 8081;

/** The Cosmos DB emulator's well-known key; the local server accepts any key. */
export const cosmosEmulatorKey = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export async function startCosmos(options: { port: number; cwd: string; onOutput?: (line: string) => void }): Promise<RunningEmulator> {
  return startChildEmulator({
    name: 'cosmos',
    script: require.resolve('./cosmosServer'),
    args: [String(options.port), '127.0.0.1'],
    ports: [options.port],
    cwd: options.cwd,
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
}
