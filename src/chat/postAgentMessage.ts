// The agent on the task writes to the customer (ALL) or to supervisors and colleagues (INT).
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../domain/conversation';
import { DomainError } from '../domain/errors';
import { readChat } from './chatState';
import { messageText } from './messageText';
import type { ChatDeps } from './ports';

export interface AgentMessage {
  readonly text: string;
  /** VIP is not offered: an agent could not read their own message. */
  readonly visibility?: 'ALL' | 'INT';
}

/** Only the assigned agent, while the task is connected or in After Call Work (403 / 409 otherwise). */
export async function postAgentMessage(agentId: string, taskId: string, input: AgentMessage, deps: ChatDeps): Promise<ChatMessage> {
  const body = messageText(input.text);
  const { task } = await readChat(taskId, deps);
  if (task.assignedAgentId !== agentId) throw new DomainError('TASK.NOT_ASSIGNED_TO_AGENT', `task ${taskId} is not assigned to agent ${agentId}`, { taskId, agentId });
  if (task.state !== 'connected' && task.state !== 'wrap-up') {
    throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${task.state}; agents write while it is connected or in After Call Work`, { taskId, from: task.state });
  }
  const agent = (await deps.distribution.agents.read(agentId))?.value;
  const message: ChatMessage = {
    id: randomUUID(),
    conversationId: taskId,
    authorRole: 'agent',
    authorId: agentId,
    nickname: agent?.displayName ?? agentId,
    text: body,
    visibility: input.visibility ?? 'ALL',
    kind: 'text',
    postedAt: deps.distribution.clock.now().toISOString(),
  };
  return (await deps.conversations.append(message)).message;
}
