// The external task API's bodies and answers.
import { openApiRegistry } from './openApiRegistry';
import { z } from './zod';

export const NewTaskBody = openApiRegistry.register(
  'NewTask',
  z
    .object({
      priority: z.number().int().min(0).max(100).optional().openapi({ description: "Defaults to the service's default priority; higher is served first." }),
      parameters: z.record(z.string().min(1).max(100), z.string().max(4000)).optional().openapi({ example: { orderId: 'A-1001' } }),
    })
    .strict(),
);

export const PriorityBody = openApiRegistry.register('PriorityChange', z.object({ priority: z.number().int().min(0).max(100) }).strict());

export const CancelBody = openApiRegistry.register('TaskCancellation', z.object({ reason: z.string().min(1).max(200).optional() }).strict());

export const RoutingLog = openApiRegistry.register(
  'RoutingLog',
  z.object({
    taskId: z.string(),
    offers: z.array(
      z.object({
        offerId: z.string(),
        agentId: z.string(),
        offeredAt: z.string(),
        outcome: z.string(),
        decidedAt: z.string().nullable(),
        routing: z.object({
          policy: z.string(),
          decidedAt: z.string(),
          candidatesConsidered: z.number(),
          excluded: z.array(z.object({ agentId: z.string(), reason: z.string() })),
          ranking: z.array(z.object({ agentId: z.string(), values: z.record(z.string(), z.union([z.string(), z.number(), z.null()])) })),
          chosenAgentId: z.string(),
          decidedBy: z.string(),
        }),
      }),
    ),
  }),
);

export const QueuePositionBody = openApiRegistry.register(
  'QueuePosition',
  z.object({
    taskId: z.string(),
    serviceId: z.string(),
    state: z.string(),
    position: z.number().int().nullable(),
    queueLength: z.number().int(),
    estimatedWaitSeconds: z.number().int().nullable().openapi({ description: 'Position x average handle time / the capacity of the on-duty agents signed in; null until the service has handled chats, or while none of its on-duty agents is signed in.' }),
  }),
);
