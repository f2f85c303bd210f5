// The rules every chat message's text follows, whoever posts it.
import { maxMessageLength } from '../domain/conversation';
import { DomainError } from '../domain/errors';

/** The text to store (trimmed), or CHAT.INVALID_MESSAGE naming `pointer`. Never echoes the text: it may be personal. */
export function messageText(text: string, pointer = '/text'): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new DomainError('CHAT.INVALID_MESSAGE', 'a message needs some text', { pointer });
  if (trimmed.length > maxMessageLength) throw new DomainError('CHAT.INVALID_MESSAGE', `a message is at most ${maxMessageLength} characters`, { pointer });
  return trimmed;
}
