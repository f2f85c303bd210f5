// The Cosmos DB database Switchboard keeps its state in, from the connection setting.
import { CosmosClient, type Database } from '@azure/cosmos';
import { toTokenCredential } from '../config/credential';
import { resourceManifest } from '../config/resourceManifest';
import type { CosmosConnection } from '../config/settings';

export function openCosmosDatabase(connection: CosmosConnection): Database {
  const client =
    connection.kind === 'key'
      ? new CosmosClient({ endpoint: connection.endpoint, key: connection.key })
      : new CosmosClient({ endpoint: connection.endpoint, aadCredentials: toTokenCredential(connection.credential) });
  return client.database(resourceManifest.cosmos.databaseName);
}
