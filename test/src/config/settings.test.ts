import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadSettings } from '../../../src/config/settings';

const local = {
  CosmosDb: 'AccountEndpoint=http://localhost:8081/;AccountKey=a2V5',
  ServiceBusConnection: 'Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

const azure = {
  CosmosDb__accountEndpoint: 'https://cosmos-abc.documents.azure.com:443/',
  CosmosDb__credential: 'managedidentity',
  CosmosDb__clientId: '00000000-0000-0000-0000-000000000001',
  ServiceBusConnection__fullyQualifiedNamespace: 'sb-abc.servicebus.windows.net',
  ServiceBusConnection__credential: 'managedidentity',
  AzureWebJobsStorage__accountName: 'stabc',
};

function refuses(env: Record<string, string>, pattern: RegExp): void {
  assert.throws(() => loadSettings(env), (err: unknown) => err instanceof ConfigError && pattern.test(err.message));
}

describe('settings', () => {
  it('reads local connection strings', () => {
    const settings = loadSettings(local);
    assert.deepEqual(settings.cosmos, { kind: 'key', endpoint: 'http://localhost:8081/', key: 'a2V5' });
    assert.equal(settings.serviceBus.kind, 'connectionString');
    assert.equal(settings.storage.kind, 'connectionString');
  });

  it('reads identity-based settings as deployed', () => {
    const settings = loadSettings(azure);
    assert.deepEqual(settings.cosmos, {
      kind: 'identity',
      endpoint: 'https://cosmos-abc.documents.azure.com:443/',
      credential: { kind: 'managedIdentity', clientId: '00000000-0000-0000-0000-000000000001' },
    });
    assert.deepEqual(settings.serviceBus, { kind: 'identity', fullyQualifiedNamespace: 'sb-abc.servicebus.windows.net', credential: { kind: 'managedIdentity', clientId: undefined } });
    assert.deepEqual(settings.storage, { kind: 'identity', blobServiceUri: 'https://stabc.blob.core.windows.net', credential: { kind: 'default' } });
  });

  it('names the missing or malformed setting', () => {
    refuses({ ...local, CosmosDb: '' }, /CosmosDb__accountEndpoint \(or CosmosDb with a connection string\) is required/);
    refuses({ ...local, CosmosDb: 'AccountEndpoint=http://localhost:8081/' }, /CosmosDb must hold AccountEndpoint=...;AccountKey=.../);
    refuses({ ...local, CosmosDb: 'AccountEndpoint=ftp://x/;AccountKey=k' }, /CosmosDb \(AccountEndpoint\) is malformed/);
    refuses({ ...local, CosmosDb: 'garbage' }, /CosmosDb is malformed: "garbage" is not Key=Value/);
    refuses({ ...local, ServiceBusConnection: 'Endpoint=https://x;SharedAccessKey=y' }, /ServiceBusConnection must hold Endpoint=sb:\/\//);
    refuses({ ...local, ServiceBusConnection: '' }, /ServiceBusConnection__fullyQualifiedNamespace/);
    refuses({ ...local, AzureWebJobsStorage: '' }, /AzureWebJobsStorage__accountName/);
    refuses({ ...azure, CosmosDb__credential: 'password' }, /CosmosDb__credential must be "managedidentity"/);
    refuses({ ...azure, ServiceBusConnection__fullyQualifiedNamespace: 'not a host!' }, /ServiceBusConnection__fullyQualifiedNamespace is malformed/);
  });
});
