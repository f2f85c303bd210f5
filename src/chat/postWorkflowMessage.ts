// A workflow activity (Message, Notice, Get Queue Position, Disconnect...) writes into the chat.
import type { ChatMessage, MessageKind } from '../domain/conversation';
import type { Visibility } from '../domain/workflow/model';
import { readChat } from './chatState';
import { messageText } from './messageText';
import type { ChatDeps } from './ports';

export interface WorkflowMessage {
  /** Chosen by the caller and stable across retries (e.g. derived from the node and step): the same id is one message. */
  readonly messageId: string;
  readonly text: string;
  readonly visibility: Visibility;
  /** Shown as the author; the service's name when absent. */
  readonly nickname?: string;
  readonly kind: MessageKind;
}

/**
 * Idempotent by `messageId`: a retried activity gets the stored message back with `created: false`,
 * and the first text stays. CHAT.NOT_FOUND when the task has no conversation.
 */
export async function postWorkflowMessage(taskId: string, input: WorkflowMessage, deps: ChatDeps): Promise<{ message: ChatMessage; created: boolean }> {
  const body = messageText(input.text);
  const existing = await deps.conversations.readMessage(taskId, input.messageId);
  if (existing) return { message: existing, created: false };
  const { task } = await readChat(taskId, deps);
  const nickname = input.nickname ?? (await deps.distribution.services.read(task.serviceId))?.value.name ?? task.serviceId;
  return deps.conversations.append({
    id: input.messageId,
    conversationId: taskId,
    authorRole: 'workflow',
    nickname,
    text: body,
    visibility: input.visibility,
    kind: input.kind,
    postedAt: deps.distribution.clock.now().toISOString(),
  });
}
