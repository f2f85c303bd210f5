// A supervisor writes into a chat: to supervisors only (VIP, the default), to the agents (INT), or to everyone (ALL).
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../domain/conversation';
import type { Visibility } from '../domain/workflow/model';
import { readChat } from './chatState';
import { messageText } from './messageText';
import type { ChatDeps } from './ports';

export interface SupervisorMessage {
  readonly text: string;
  readonly visibility?: Visibility;
  readonly nickname?: string;
  readonly supervisorId?: string;
}

export async function postSupervisorMessage(taskId: string, input: SupervisorMessage, deps: ChatDeps): Promise<ChatMessage> {
  const body = messageText(input.text);
  await readChat(taskId, deps);
  const message: ChatMessage = {
    id: randomUUID(),
    conversationId: taskId,
    authorRole: 'supervisor',
    ...(input.supervisorId !== undefined ? { authorId: input.supervisorId } : {}),
    nickname: input.nickname ?? 'Supervisor',
    text: body,
    visibility: input.visibility ?? 'VIP',
    kind: 'text',
    postedAt: deps.distribution.clock.now().toISOString(),
  };
  return (await deps.conversations.append(message)).message;
}
