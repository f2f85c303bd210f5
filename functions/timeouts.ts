// Scheduled timeouts: an offer ringing out (RONA), a second look at the slot of an offer a cancel or
// transfer settled, and After Call Work running out. Each is idempotent, so a redelivered or late
// message changes nothing that was already settled.
import { app, type InvocationContext } from '@azure/functions';
import { z } from '../src/api/zod';
import { switchboard } from '../src/app/switchboard';
import { handleTimeout } from '../src/distribution/timeouts';

const deps = switchboard().distribution;
const TimeoutMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offer'), taskId: z.string().min(1), offerId: z.string().min(1), expiresAt: z.iso.datetime() }),
  z.object({ kind: z.literal('settled-offer'), taskId: z.string().min(1), offerId: z.string().min(1) }),
  z.object({ kind: z.literal('acw'), taskId: z.string().min(1), acwVersion: z.number().int().min(0) }),
]);

app.serviceBusQueue('timeouts', {
  queueName: 'timeouts',
  connection: 'ServiceBusConnection',
  handler: async (message: unknown, context: InvocationContext) => {
    const parsed = TimeoutMessage.safeParse(message);
    if (!parsed.success) {
      // Never dropped: thrown, it is redelivered until maxDeliveryCount, then dead-lettered for a person to look at.
      throw new Error(`timeouts: malformed message ${String(context.triggerMetadata?.['messageId'])}: ${parsed.error.message}`);
    }
    const timeout = parsed.data;
    const task = await handleTimeout(timeout, deps);
    context.log(`timeouts: ${timeout.kind} for task ${timeout.taskId}: task is ${task?.state ?? 'gone'}`);
  },
});
