// devhost's Cosmos emulator for a storage test: on a free port (picked again on a clash), with an
// SDK client that creates the containers a test asks for; `stop` disposes it and stops the emulator.
import { CosmosClient, type Container, type ContainerRequest } from '@azure/cosmos';
import { cosmosEmulatorKey, startCosmos } from '../../devhost/emulators/cosmos';
import { repoRoot } from './devhost';
import { freePort, retryOnPortClash } from './ports';

export interface TestCosmos {
  readonly endpoint: string;
  /** The container of `database` (`switchboard` unless named), created with both when missing. */
  container(definition: ContainerRequest, database?: string): Promise<Container>;
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
      container: async (definition, databaseId = 'switchboard') => {
        const { database } = await client.databases.createIfNotExists({ id: databaseId });
        return (await database.containers.createIfNotExists(definition)).container;
      },
      stop: async () => {
        client.dispose();
        await emulator.stop();
      },
    };
  });
}
