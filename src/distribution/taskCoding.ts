// Codes and tags the agent sets on a task while handling or wrapping it up.
import { DomainError } from '../domain/errors';
import type { Task } from '../domain/task';
import { update } from './optimistic';
import type { DistributionDeps } from './ports';

export async function setCodesAndTags(agentId: string, taskId: string, coding: { codes: readonly string[]; tags: readonly string[] }, deps: DistributionDeps): Promise<Task> {
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => {
      if (task.assignedAgentId !== agentId) throw new DomainError('TASK.NOT_ASSIGNED_TO_AGENT', `task ${taskId} is not assigned to agent ${agentId}`, { taskId, agentId });
      if (task.state !== 'connected' && task.state !== 'wrap-up') {
        throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${task.state}; codes and tags are set while connected or in After Call Work`, { taskId, from: task.state });
      }
      return { ...task, codes: [...new Set(coding.codes)], tags: [...new Set(coding.tags)] };
    },
    { code: 'TASK.NOT_FOUND', message: `task ${taskId} not found` },
  );
  return after.value;
}
