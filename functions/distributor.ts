// The distributor: one round per `distribute` message, one service at a time (session = serviceId).
// Errors are rethrown so Service Bus redelivers the message (and finally dead-letters it).
import { app, type InvocationContext } from '@azure/functions';
import { z } from '../src/api/zod';
import { switchboard } from '../src/app/switchboard';
import { distribute } from '../src/distribution/distribute';

const deps = switchboard().distribution;
const DistributeMessage = z.object({ serviceId: z.string().min(1), reason: z.string().optional() });

app.serviceBusQueue('distributor', {
  queueName: 'distribute',
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  handler: async (message: unknown, context: InvocationContext) => {
    const parsed = DistributeMessage.safeParse(message);
    if (!parsed.success) {
      // Never dropped: thrown, it is redelivered until maxDeliveryCount, then dead-lettered for a person to look at.
      throw new Error(`distributor: malformed message ${String(context.triggerMetadata?.['messageId'])}: ${parsed.error.message}`);
    }
    const { offers, more } = await distribute(parsed.data.serviceId, deps);
    context.log(`distributor: service ${parsed.data.serviceId}: ${offers} offer(s)${more ? ', more to do' : ''}`);
  },
});

