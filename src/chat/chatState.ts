// Reading a chat's task and conversation header together, as most chat use cases begin.
import type { ConversationHeader } from '../domain/conversation';
import { DomainError } from '../domain/errors';
import { terminalStates, type Task } from '../domain/task';
import type { ChatDeps } from './ports';

export interface ChatState {
  readonly task: Task;
  readonly header: ConversationHeader;
}

/** The chat's task and header; CHAT.NOT_FOUND when either is missing (the id is not a chat). */
export async function readChat(chatId: string, deps: ChatDeps): Promise<ChatState> {
  const [task, header] = await Promise.all([deps.distribution.tasks.read(chatId), deps.conversations.readHeader(chatId)]);
  if (!task || !header) throw new DomainError('CHAT.NOT_FOUND', `chat ${chatId} not found`, { chatId });
  return { task: task.value, header };
}

/** Whether the customer can still write: the conversation is open and its task has not ended. */
export function isChatOpen(chat: ChatState): boolean {
  return chat.header.status === 'open' && !terminalStates.includes(chat.task.state);
}
