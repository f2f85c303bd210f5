// devhost starts Azurite, Cosmos DB and Service Bus, creates the app's declared resources in them,
// and stops them all on Ctrl-C.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CosmosClient } from '@azure/cosmos';
import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { portAnswers } from '../../devhost/emulators/childEmulator';
import { azuriteConnectionString } from '../../devhost/emulators/resources';
import { cosmosEmulatorKey } from '../../devhost/emulators/cosmos';
import { resourceManifest } from '../../src/config/resourceManifest';
import { startSwitchboard } from '../support/switchboard';

describe('devhost emulators', () => {
  it('provisions the resource manifest into the emulators and frees every port on Ctrl-C', async () => {
    const devhost = await startSwitchboard();
    const { cosmos, azurite, serviceBus } = devhost.ports;
    try {
      const client = new CosmosClient({ endpoint: `http://127.0.0.1:${cosmos}`, key: cosmosEmulatorKey });
      const database = client.database(resourceManifest.cosmos.databaseName);
      const { resources: containers } = await database.containers.readAll().fetchAll();
      assert.deepEqual(containers.map((c) => c.id).sort(), resourceManifest.cosmos.containers.map((c) => c.name).sort());
      const { resource: queue } = await database.container('queue').read();
      assert.deepEqual(queue?.partitionKey?.paths, ['/serviceId']);
      assert.deepEqual(queue?.indexingPolicy?.compositeIndexes, [
        [
          { path: '/priority', order: 'descending' },
          { path: '/enqueueOrder', order: 'ascending' },
        ],
      ]);
      const { resource: dedupe } = await database.container('dedupe').read();
      assert.equal(dedupe?.defaultTtl, 24 * 3600);
      client.dispose();

      const blobs = BlobServiceClient.fromConnectionString(azuriteConnectionString({ blob: azurite, queue: azurite + 1, table: azurite + 2 }));
      assert.equal(await blobs.getContainerClient('attachments').exists(), true);

      const bus = new ServiceBusClient(`Endpoint=sb://localhost:${serviceBus};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`);
      try {
        // The app's distributor trigger consumes 'distribute' as soon as a message arrives, so the
        // queue is checked with a message scheduled far out (peekable, never delivered) instead.
        const sender = bus.createSender('distribute');
        await assert.rejects(sender.sendMessages({ body: { serviceId: 's1' } }), 'requiresSession was provisioned');
        const [sequenceNumber] = await sender.scheduleMessages({ body: { serviceId: 's1' }, sessionId: 's1', messageId: 'm1' }, new Date(Date.now() + 3_600_000));
        const [peeked] = await bus.createReceiver('distribute').peekMessages(1, { fromSequenceNumber: sequenceNumber! });
        assert.deepEqual(peeked?.body, { serviceId: 's1' });
        assert.equal(peeked?.sessionId, 's1');
        await sender.cancelScheduledMessages(sequenceNumber!);
      } finally {
        await bus.close();
      }
    } finally {
      await devhost.stop();
    }
    for (const port of [devhost.port, cosmos, azurite, azurite + 1, azurite + 2, serviceBus]) {
      assert.equal(await portAnswers(port), false, `port ${port} is free after stop`);
    }
  });
});
