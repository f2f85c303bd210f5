// One message of a chat by its id: how a workflow activity reads the customer's reply it was told of.
import type { ChatMessage } from '../domain/conversation';
import type { ChatDeps } from './ports';

export function readChatMessage(chatId: string, messageId: string, deps: ChatDeps): Promise<ChatMessage | undefined> {
  return deps.conversations.readMessage(chatId, messageId);
}
