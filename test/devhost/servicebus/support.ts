// Starts a broker on a free port for a test file and hands out SDK clients bound to it.
import { ServiceBusClient, type ServiceBusClientOptions } from '@azure/service-bus';
import { startServiceBusEmulator, type EntityDeclarations, type ServiceBusEmulator } from '../../../devhost/servicebus';

export interface EmulatorFixture {
  emulator: ServiceBusEmulator;
  client: ServiceBusClient;
  /** Another client (own AMQP connection), e.g. for a competing receiver. */
  newClient(options?: ServiceBusClientOptions): ServiceBusClient;
  close(): Promise<void>;
}

/** Short timeouts and no retries: a test that waits on a broken broker fails fast instead of hanging. */
export const fastRetry: ServiceBusClientOptions = { retryOptions: { timeoutInMs: 5000, maxRetries: 0 } };

export async function startFixture(entities: EntityDeclarations): Promise<EmulatorFixture> {
  const emulator = await startServiceBusEmulator({ port: 0, entities });
  const clients: ServiceBusClient[] = [];
  const newClient = (options: ServiceBusClientOptions = fastRetry): ServiceBusClient => {
    const client = new ServiceBusClient(emulator.connectionString, options);
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    emulator,
    client,
    newClient,
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await emulator.close();
    },
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
