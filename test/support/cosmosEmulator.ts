// devhost's Cosmos emulator for a storage test: on a free port (picked again on a clash), with an
// SDK client; `stop` disposes the client and stops the emulator.
import { CosmosClient } from '@azure/cosmos';
import { cosmosEmulatorKey, startCosmos } from '../../devhost/emulators/cosmos';
import { repoRoot } from './devhost';
import { freePort, retryOnPortClash } from './ports';

export interface TestCosmos {
  readonly endpoint: string;
  readonly client: CosmosClient;
  stop(): Promise<void>;
}

export function startTestCosmos(): Promise<TestCosmos> {
  return retryOnPortClash(async () => {
    const port = await freePort();
    const emulator = await startCosmos({ port, cwd: repoRoot });
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new CosmosClient({ endpoint, key: cosmosEmulatorKey });
    return {
      endpoint,
      client,
      stop: async () => {
        client.dispose();
        await emulator.stop();
      },
    };
  });
}
