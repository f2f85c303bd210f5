// The customer leaves: they are marked offline, a waiting task ends as abandoned, the workflow is
// told, and the token closes.
import type { ChatMessage } from '../domain/conversation';
import { DomainError } from '../domain/errors';
import type { TaskState } from '../domain/task';
import { endWaitingTask } from '../distribution/cancelTask';
import { chatEvents } from '../workflow/contract';
import { readChat } from './chatState';
import { closeCustomerToken, verifyCustomerToken } from './customerToken';
import type { ChatDeps, WorkflowSignals } from './ports';

const waiting: readonly TaskState[] = ['in-workflow', 'queued', 'offered'];

/** The notice agents and supervisors see; one per chat (its id is fixed). */
const leftNoticeId = 'customer-left';

export async function leaveChat(chatId: string, token: string | undefined, signals: WorkflowSignals, deps: ChatDeps): Promise<{ chatId: string; taskState: TaskState }> {
  const now = deps.distribution.clock.now();
  // A retried leave presents the token this leave closed: accepted, so leaving is idempotent.
  await verifyCustomerToken(chatId, token, now, deps.tokens, { allowClosed: true });
  const chat = await readChat(chatId, deps);
  const at = now.toISOString();
  await deps.conversations.updateHeader(chatId, { customerOnline: false, status: 'ended', endedAt: chat.header.endedAt ?? at });
  const notice: ChatMessage = { id: leftNoticeId, conversationId: chatId, authorRole: 'system', nickname: 'Switchboard', text: `${chat.header.customerName} left the chat.`, visibility: 'INT', kind: 'notice', postedAt: at };
  await deps.conversations.append(notice);
  let taskState = chat.task.state;
  if (waiting.includes(taskState)) {
    try {
      taskState = (await endWaitingTask(chatId, 'abandoned', 'customer left', deps.distribution)).state;
    } catch (err) {
      // The task reached an agent (or ended) meanwhile: the agent sees the customer is gone.
      if (!(err instanceof DomainError && err.code === 'TASK.ILLEGAL_TRANSITION')) throw err;
      taskState = (await deps.distribution.tasks.read(chatId))?.value.state ?? taskState;
    }
  }
  await signals.raise(chatId, chatEvents.customerLeft, {});
  await closeCustomerToken(chatId, now, deps.tokens);
  return { chatId, taskState };
}
