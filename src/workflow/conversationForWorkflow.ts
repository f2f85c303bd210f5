// The conversation as a workflow uses it, over the chat's conversation store.
import type { ConversationStore } from '../chat/ports';
import type { Clock } from '../distribution/ports';
import type { WorkflowConversation } from './runtime';

export function conversationForWorkflow(store: ConversationStore, clock: Clock): WorkflowConversation {
  return {
    async post(taskId, message) {
      await store.append({
        id: message.messageId,
        conversationId: taskId,
        authorRole: 'workflow',
        nickname: message.nickname,
        text: message.text,
        visibility: message.visibility,
        kind: message.kind,
        postedAt: clock.now().toISOString(),
      });
    },
    async customerMessage(taskId, messageId) {
      const message = await store.readMessage(taskId, messageId);
      return message?.authorRole === 'customer' ? { text: message.text, postedAt: message.postedAt } : undefined;
    },
    async customerMessageSince(taskId, since) {
      const messages = await store.list(taskId, ['ALL']);
      const reply = messages.find((m) => m.authorRole === 'customer' && m.postedAt >= since);
      return reply ? { messageId: reply.id, text: reply.text } : undefined;
    },
    async customerOnline(taskId) {
      return (await store.readHeader(taskId))?.customerOnline ?? false;
    },
  };
}
