// The chat API's bodies and answers (web widget, agent and supervisor conversation endpoints).
import { maxMessageLength } from '../domain/conversation';
import { openApiRegistry } from './openApiRegistry';
import { ResourceId } from './resourceId';
import { z } from './zod';

const Text = z.string().max(maxMessageLength * 2).openapi({ description: `The message text (trimmed; 1 to ${maxMessageLength} characters).` });

export const StartChatBody = openApiRegistry.register(
  'StartChat',
  z
    .object({
      serviceId: ResourceId.optional().openapi({ description: 'The service to chat with. With agentId: the service whose widget settings apply (default: the agent\'s first service).' }),
      agentId: ResourceId.optional().openapi({ description: 'Chat directly with this agent: no queue and no workflow.' }),
      displayName: z.string().trim().min(1).max(100).openapi({ example: 'Marie' }),
      email: z.string().max(320).openapi({ example: 'marie@example.com' }),
      consent: z.boolean().optional().openapi({ description: 'The customer accepted the privacy policy; must be true.' }),
      firstMessage: Text.optional(),
    })
    .strict()
    .superRefine((body, ctx) => {
      if (body.serviceId === undefined && body.agentId === undefined) ctx.addIssue({ code: 'custom', path: ['serviceId'], message: 'give a serviceId, or an agentId for a direct chat' });
    }),
);

export const StartedChatAnswer = openApiRegistry.register(
  'StartedChat',
  z.object({
    chatId: z.string(),
    customerToken: z.string().openapi({ description: 'Send as `Authorization: Bearer <token>` to this chat\'s endpoints. Opaque; expires at expiresAt, closes when the customer leaves.' }),
    expiresAt: z.string(),
    serviceId: z.string(),
    directAgentId: z.string().nullable(),
    state: z.string().openapi({ description: "The task's state: in-workflow, queued, or offered (direct chat)." }),
  }),
);

export const CustomerMessageBody = openApiRegistry.register('CustomerMessage', z.object({ text: Text }).strict());

export const AgentMessageBody = openApiRegistry.register(
  'AgentMessage',
  z.object({ text: Text, visibility: z.enum(['ALL', 'INT']).default('ALL').openapi({ description: 'ALL: the customer sees it; INT: agents and supervisors only.' }) }).strict(),
);

export const SupervisorMessageBody = openApiRegistry.register(
  'SupervisorMessage',
  z
    .object({
      text: Text,
      visibility: z.enum(['ALL', 'INT', 'VIP']).default('VIP').openapi({ description: 'VIP (default): supervisors only; INT: also agents; ALL: also the customer.' }),
      nickname: z.string().trim().min(1).max(100).optional(),
      supervisorId: ResourceId.optional(),
    })
    .strict(),
);

export const ChatMessageAnswer = openApiRegistry.register(
  'ChatMessage',
  z.object({
    id: z.string(),
    conversationId: z.string(),
    authorRole: z.enum(['customer', 'agent', 'supervisor', 'system', 'workflow']),
    authorId: z.string().optional(),
    nickname: z.string(),
    text: z.string(),
    visibility: z.enum(['ALL', 'INT', 'VIP']),
    kind: z.enum(['text', 'notice']),
    postedAt: z.string(),
  }),
);

export const ConversationAnswer = openApiRegistry.register(
  'Conversation',
  z.object({
    chatId: z.string(),
    status: z.enum(['open', 'ended']),
    customerName: z.string(),
    customerOnline: z.boolean(),
    taskState: z.string(),
    visibleTo: z.enum(['customer', 'agent', 'supervisor']),
    messages: z.array(ChatMessageAnswer).openapi({ description: 'Oldest first; only what the reader may see.' }),
  }),
);

export const LeftChatAnswer = openApiRegistry.register('LeftChat', z.object({ chatId: z.string(), taskState: z.string() }));
