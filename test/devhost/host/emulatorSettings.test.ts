// devhost started on other emulator ports points the app's settings at them, not at the defaults.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pointAtEmulators, type EmulatorPorts } from '../../../devhost/host/emulatorSettings';

const defaults: EmulatorPorts = { cosmos: 8081, serviceBus: 5672, azurite: { blob: 10000, queue: 10001, table: 10002 } };
const moved: EmulatorPorts = { cosmos: 8181, serviceBus: 5772, azurite: { blob: 10100, queue: 10101, table: 10102 } };
const sample = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  CosmosDb: 'AccountEndpoint=http://localhost:8081/;AccountKey=abc==',
  ServiceBusConnection: 'Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true',
  Blobs: 'DefaultEndpointsProtocol=http;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;',
  RealCosmos: 'AccountEndpoint=https://contoso.documents.azure.com:443/;AccountKey=abc==',
  RealServiceBus: 'Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v',
  Other: 'http://localhost:8081x',
};

describe('devhost settings for emulators on other ports', () => {
  it('point the default emulator endpoints at the ports devhost started them on, and leave every other setting alone', () => {
    const values = pointAtEmulators(sample, moved, defaults, 'AZURITE-ON-10100');
    assert.deepEqual(values, {
      AzureWebJobsStorage: 'AZURITE-ON-10100',
      CosmosDb: 'AccountEndpoint=http://localhost:8181/;AccountKey=abc==',
      ServiceBusConnection: 'Endpoint=sb://localhost:5772;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true',
      Blobs: 'DefaultEndpointsProtocol=http;BlobEndpoint=http://127.0.0.1:10100/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10101/devstoreaccount1;',
      RealCosmos: sample.RealCosmos,
      RealServiceBus: sample.RealServiceBus,
      Other: sample.Other,
    });
  });

  it('change nothing on the default ports', () => {
    assert.deepEqual(pointAtEmulators(sample, defaults, defaults, 'AZURITE'), sample);
  });
});
