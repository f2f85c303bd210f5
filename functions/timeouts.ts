// Scheduled timeouts: an offer ringing out (RONA) and After Call Work running out. Each is
// idempotent, so a redelivered or late message changes nothing that was already settled.
import { app, type InvocationContext } from '@azure/functions';
import { z } from '../src/api/zod';
import { switchboard } from '../src/app/switchboard';
import { acwTimedOut } from '../src/distribution/afterCallWork';
import { expireOffer } from '../src/distribution/offerDecisions';

const deps = switchboard().distribution;
const TimeoutMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offer'), taskId: z.string().min(1), offerId: z.string().min(1), expiresAt: z.iso.datetime() }),
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
    const task = timeout.kind === 'offer' ? await expireOffer(timeout.offerId, deps, timeout.expiresAt) : await acwTimedOut(timeout.taskId, timeout.acwVersion, deps);
    context.log(`timeouts: ${timeout.kind} for task ${timeout.taskId}: task is ${task.state}`);
  },
});
