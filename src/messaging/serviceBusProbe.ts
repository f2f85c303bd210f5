// Health probe: the Service Bus namespace answers and Switchboard's plain (non-session) queue exists.
import type { ServiceBusClient } from '@azure/service-bus';
import type { DependencyProbe } from '../health/checkHealth';
import { resourceManifest } from '../config/resourceManifest';

export function serviceBusProbe(client: ServiceBusClient): DependencyProbe {
  const queue = resourceManifest.serviceBus.queues.find((q) => !q.properties.requiresSession) ?? resourceManifest.serviceBus.queues[0];
  return {
    name: 'serviceBus',
    async check(abortSignal) {
      const receiver = client.createReceiver(queue.name);
      try {
        await receiver.peekMessages(1, { abortSignal });
      } finally {
        await receiver.close();
      }
    },
  };
}
