// Keeping an agent's document in step with the tasks it holds: repairs are idempotent, so a
// redelivered message or a resumed action converges on the same agent state.
import type { Agent } from '../domain/agent';
import { DomainError } from '../domain/errors';
import type { Task } from '../domain/task';
import { update } from './optimistic';
import type { DistributionDeps, Versioned } from './ports';

/** Applies `decide` to the agent until it holds (`known`: as the caller has just read them). */
export async function updateAgent(deps: DistributionDeps, agentId: string, decide: (agent: Agent) => Agent | undefined, known?: Versioned<Agent>): Promise<Agent | undefined> {
  try {
    return (await update(deps.agents, agentId, decide, { code: 'AGENT.NOT_FOUND', message: `agent ${agentId} not found` }, known)).after.value;
  } catch (err) {
    // An agent deleted meanwhile holds nothing any more: there is nothing to repair.
    if (err instanceof DomainError && err.code === 'AGENT.NOT_FOUND') return undefined;
    throw err;
  }
}

/** Removes an offer from the agent; returns whether this call removed it. */
export function dropOffer(agent: Agent, offerId: string): Agent | undefined {
  return agent.offers.some((o) => o.offerId === offerId) ? { ...agent, offers: agent.offers.filter((o) => o.offerId !== offerId) } : undefined;
}

/**
 * Turns the agent's offer into a connected task (or confirms it already is one). `acwSeconds`: the
 * After Call Work the accepted offer gives the chat, when the caller knows it.
 */
export function offerToTask(agent: Agent, offerId: string, taskId: string, serviceId: string, at: string, acwSeconds?: number): Agent | undefined {
  const hasTask = agent.tasks.some((t) => t.taskId === taskId);
  const hasOffer = agent.offers.some((o) => o.offerId === offerId);
  // Only the offer's slot becomes the task's: without the offer (converted already, or released when
  // the task closed) a late or repeated call must not give the agent a slot back.
  if (!hasOffer) return undefined;
  return {
    ...agent,
    offers: agent.offers.filter((o) => o.offerId !== offerId),
    tasks: hasTask ? agent.tasks : [...agent.tasks, { taskId, serviceId, since: at, phase: 'connected', offerId, ...(acwSeconds === undefined ? {} : { acwSeconds }) }],
  };
}

/** Releases a finished task's slot; the agent is idle from `at` when nothing else is left. */
export function releaseTask(agent: Agent, taskId: string, at: string): Agent | undefined {
  if (!agent.tasks.some((t) => t.taskId === taskId)) return undefined;
  const tasks = agent.tasks.filter((t) => t.taskId !== taskId);
  return { ...agent, tasks, idleSince: tasks.length === 0 && agent.offers.length === 0 ? at : agent.idleSince };
}

/**
 * What the agent holds for an offer that is no longer open: the chat's slot while the accepted chat
 * goes on, nothing otherwise (undefined: nothing to change). `at`: when the chat began, if the
 * offer does not say.
 */
export function settledSlot(agent: Agent, task: Task, offerId: string, at: string): Agent | undefined {
  const offer = task.offers.find((o) => o.offerId === offerId);
  const chatting = offer?.outcome === 'accepted' && (task.state === 'connected' || task.state === 'wrap-up');
  return chatting ? offerToTask(agent, offerId, task.id, task.serviceId, offer.decidedAt ?? at, offer.afterCallWork.durationSeconds) : dropOffer(agent, offerId);
}
