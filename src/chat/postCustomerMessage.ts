// The customer writes into their chat; the chat's workflow hears of it by the message's id.
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../domain/conversation';
import { DomainError } from '../domain/errors';
import { chatEvents } from '../workflow/contract';
import { isChatOpen, readChat } from './chatState';
import { verifyCustomerToken } from './customerToken';
import { messageText } from './messageText';
import type { ChatDeps, WorkflowSignals } from './ports';

export async function postCustomerMessage(chatId: string, token: string | undefined, text: string, signals: WorkflowSignals, deps: ChatDeps): Promise<ChatMessage> {
  const now = deps.distribution.clock.now();
  await verifyCustomerToken(chatId, token, now, deps.tokens);
  const body = messageText(text);
  const chat = await readChat(chatId, deps);
  if (!isChatOpen(chat)) throw new DomainError('CHAT.ENDED', `chat ${chatId} has ended`, { chatId, state: chat.task.state });
  const at = now.toISOString();
  const { message } = await deps.conversations.append({ id: randomUUID(), conversationId: chatId, authorRole: 'customer', nickname: chat.header.customerName, text: body, visibility: 'ALL', kind: 'text', postedAt: at });
  // lastCustomerMessageAt also serves channels with a reply window (WhatsApp's 24 hours).
  await deps.conversations.updateHeader(chatId, { lastCustomerMessageAt: at, customerOnline: true });
  // The id only: message bodies never go into the orchestration's history.
  await signals.raise(chatId, chatEvents.customerMessage, { messageId: message.id });
  return message;
}
