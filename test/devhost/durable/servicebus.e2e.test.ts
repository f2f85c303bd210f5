// End-to-end: a df.app.client.serviceBusQueue function starts orchestrations from messages sent
// with the real @azure/service-bus SDK to devhost's broker.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ServiceBusClient } from '@azure/service-bus';
import { startDevhost, type DevhostProcess } from '../../support/devhost';
import { freePort } from '../../support/ports';
import { durableAppDir } from './support';

describe('Durable client triggered by Service Bus', { timeout: 60_000 }, () => {
  let devhost: DevhostProcess;
  let client: ServiceBusClient;

  before(async () => {
    const serviceBusPort = await freePort();
    const connectionString = `Endpoint=sb://localhost:${serviceBusPort};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`;
    devhost = await startDevhost({
      appDir: join(durableAppDir, 'servicebus'),
      args: ['--emulators', 'servicebus'],
      ports: { serviceBus: serviceBusPort },
      env: { ServiceBusConnection: connectionString },
    });
    client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 2, retryDelayInMs: 100, timeoutInMs: 5000 } });
  });

  after(async () => {
    await client?.close();
    await devhost?.stop();
  });

  it('starts one orchestration per message, with the message as input', async () => {
    await client.createSender('start-greeting').sendMessages({ body: { name: 'Service Bus' }, messageId: 'm-1' });
    const url = `${devhost.baseUrl}/runtime/webhooks/durabletask/instances/sb-m-1?code=fixture-durable-key`;
    const deadline = Date.now() + 15_000;
    let status: { runtimeStatus?: string; output?: unknown; input?: unknown } = {};
    while (status.runtimeStatus !== 'Completed') {
      if (Date.now() > deadline) assert.fail(`sb-m-1 did not complete: ${JSON.stringify(status)}\n${devhost.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const res = await fetch(url);
      if (res.status !== 404) status = (await res.json()) as typeof status;
    }
    assert.equal(status.output, 'Hello Service Bus!');
    assert.deepEqual(status.input, { name: 'Service Bus' });
  });
});
