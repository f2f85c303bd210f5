// Reading a chat's conversation: each reader sees only what their role may (filtered in the query).
import { visibleTo, type ChatMessage, type ConversationStatus, type ReaderRole } from '../domain/conversation';
import { DomainError } from '../domain/errors';
import { openOffer } from '../domain/task';
import { readChat } from './chatState';
import { verifyCustomerToken } from './customerToken';
import type { ChatDeps } from './ports';

export type ConversationReader =
  | { readonly role: 'customer'; readonly token: string | undefined }
  /** An agent on the task: the assigned agent, or the agent it is offered to (to preview it). */
  | { readonly role: 'agent'; readonly agentId: string }
  | { readonly role: 'supervisor' };

export interface ConversationView {
  readonly chatId: string;
  readonly status: ConversationStatus;
  readonly customerName: string;
  readonly customerOnline: boolean;
  readonly taskState: string;
  readonly visibleTo: ReaderRole;
  readonly messages: readonly ChatMessage[];
}

export async function readConversation(chatId: string, reader: ConversationReader, deps: ChatDeps): Promise<ConversationView> {
  if (reader.role === 'customer') await verifyCustomerToken(chatId, reader.token, deps.distribution.clock.now(), deps.tokens);
  const chat = await readChat(chatId, deps);
  if (reader.role === 'agent' && chat.task.assignedAgentId !== reader.agentId && openOffer(chat.task)?.agentId !== reader.agentId) {
    throw new DomainError('TASK.NOT_ASSIGNED_TO_AGENT', `task ${chatId} is not assigned or offered to agent ${reader.agentId}`, { taskId: chatId, agentId: reader.agentId });
  }
  const messages = await deps.conversations.list(chatId, visibleTo(reader.role));
  const { status, customerName, customerOnline } = chat.header;
  return { chatId, status, customerName, customerOnline, taskState: chat.task.state, visibleTo: reader.role, messages };
}
