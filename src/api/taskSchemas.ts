// The external task API's bodies and answers.
import type { OfferOutcome, Task, TaskState } from '../domain/task';
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

const Timestamp = z.iso.datetime();

const taskStates = ['created', 'in-workflow', 'queued', 'offered', 'connected', 'wrap-up', 'closed', 'cancelled', 'abandoned', 'failed', 'transferred'] as const satisfies readonly TaskState[];
const offerOutcomes = ['open', 'accepted', 'declined', 'rona', 'withdrawn', 'cancelled', 'recalled'] as const satisfies readonly OfferOutcome[];
const exclusions = ['not-licensed', 'not-member', 'off-duty', 'not-available', 'rona', 'at-capacity', 'missing-skill', 'skill-below-minimum', 'declined-before', 'rang-out-before'] as const;

const RoutingDecisionSchema = z
  .object({
    policy: z.enum(['longest-idle', 'round-robin', 'skills', 'priority']),
    decidedAt: Timestamp,
    candidatesConsidered: z.number().int().openapi({ description: 'Agents with a free slot the distributor looked at.' }),
    excluded: z.array(z.object({ agentId: z.string(), reason: z.enum(exclusions) })).openapi({ description: 'Agents passed over, and why.' }),
    ranking: z
      .array(z.object({ agentId: z.string(), values: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).openapi({ description: 'The values the policy compared, in order of precedence.' }) }))
      .openapi({ description: 'The best few eligible agents, best first.' }),
    chosenAgentId: z.string(),
    decidedBy: z.string().openapi({ description: 'What set the chosen agent ahead of the next one (`idleSince: ... beats ...`), or `the only eligible agent`.' }),
  })
  .openapi({ description: 'Why the offer went to its agent.' });

export const OfferSchema = openApiRegistry.register(
  'Offer',
  z.object({
    offerId: z.string(),
    agentId: z.string(),
    offeredAt: Timestamp,
    expiresAt: Timestamp.openapi({ description: 'When it rings out (RONA) if not answered.' }),
    outcome: z.enum(offerOutcomes).openapi({
      description: 'open; accepted or declined by the agent; rona (rang out); withdrawn (the agent could not hold it, was never told of it, or the task was transferred); cancelled with its task; recalled (the agent went busy, away or offline, lost the licence, membership or duty, or capacity, while it rang).',
    }),
    decidedAt: Timestamp.nullable(),
    routing: RoutingDecisionSchema,
    afterCallWork: z
      .object({ durationSeconds: z.number().int(), extendable: z.boolean(), maxExtensionSeconds: z.number().int(), canEndEarly: z.boolean() })
      .openapi({ description: "The service's After Call Work rules when it made the offer: the chat's ACW follows them." }),
  }),
);

export const RoutingLog = openApiRegistry.register('RoutingLog', z.object({ taskId: z.string(), offers: z.array(OfferSchema).openapi({ description: 'Every offer of the task, oldest first.' }) }));

export const TaskSchema = openApiRegistry.register(
  'Task',
  z
    .object({
      id: z.string(),
      serviceId: z.string().openapi({ description: 'The service it is in now (a transfer moves it).' }),
      channel: z.string().openapi({ description: '`external` (the task API) or `web` (a web chat).' }),
      state: z.enum(taskStates),
      priority: z.number().int().openapi({ description: 'Higher is served first.' }),
      enqueueOrder: z.string().openapi({ description: 'Its arrival in the queue, as a key that sorts: after priority, its place (kept when an offer rings out).' }),
      parameters: z.record(z.string(), z.string()),
      offers: z.array(OfferSchema).openapi({ description: 'Every offer, oldest first: the routing log.' }),
      assignedAgentId: z.string().nullable().openapi({ description: 'The agent who accepted it.' }),
      codes: z.array(z.string()),
      tags: z.array(z.string()),
      acw: z.object({ endsAt: Timestamp, extensions: z.number().int() }).nullable().openapi({ description: 'After Call Work, once the agent finished the chat.' }),
      callFlow: z
        .array(z.object({ serviceId: z.string(), enteredAt: Timestamp, leftAt: Timestamp.nullable(), reason: z.enum(['created', 'transferred']) }))
        .openapi({ description: 'The services it went through, in order.' }),
      timings: z.object({
        createdAt: Timestamp,
        queuedAt: Timestamp.nullable(),
        firstOfferedAt: Timestamp.nullable(),
        connectedAt: Timestamp.nullable(),
        wrapUpAt: Timestamp.nullable(),
        endedAt: Timestamp.nullable(),
      }),
      outcome: z.string().nullable().openapi({ description: 'How it ended: `handled`, `disconnected`, `failed: ...`, or the reason it was cancelled or abandoned with.' }),
    })
    .openapi({ description: 'A task with its state, offers (routing log), timings, codes and tags.' }),
);

/** A task as the API answers it: without what only the server uses (the request fingerprint, ACW extension keys). */
export type TaskAnswer = Omit<Task, 'requestFingerprint' | 'acw'> & { readonly acw: { readonly endsAt: string; readonly extensions: number } | null };

export function taskAnswer(task: Task): TaskAnswer {
  const { requestFingerprint: _fingerprint, acw, ...answer } = task;
  return { ...answer, acw: acw ? { endsAt: acw.endsAt, extensions: acw.extensions } : null };
}

// Fails to compile when the answer schema and the answer type disagree on their fields.
type TaskSchemaAnswer = z.output<typeof TaskSchema>;
const answerHasEveryField: [Exclude<keyof TaskAnswer, keyof TaskSchemaAnswer>, Exclude<keyof TaskSchemaAnswer, keyof TaskAnswer>] extends [never, never] ? true : false = true;
void answerHasEveryField;

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
