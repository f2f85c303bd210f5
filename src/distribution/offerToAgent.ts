// A chat started directly with one agent: no queue and no workflow, the task is offered to that
// agent at once, with the same claims a distribution round makes (the task with its ring-out timer,
// then the agent's slot, then the agent's notification).
//
// RONA and decline: the offer settles as every offer does (offerDecisions), so the task goes to
// the queue of its service (the service whose widget the chat came through) at its arrival place
// and the service's agents get it; a RONA puts the agent into RONA as usual. The customer asked
// for one person, but a missed offer must not leave them waiting for nobody.
import { ineligibility, type Agent } from '../domain/agent';
import { DomainError } from '../domain/errors';
import type { RoutingDecision } from '../domain/routing';
import type { Service } from '../domain/service';
import { openOffer, transition, type Task } from '../domain/task';
import { announce, claimSlot, claimTask, completeClaim } from './offerClaims';
import { update } from './optimistic';
import type { DistributionDeps, Versioned } from './ports';

const maxAttempts = 5;

/** Why the agent cannot take a direct chat of `serviceId` now, as a 409 AGENT.NOT_AVAILABLE; nothing when they can. */
export function assertCanTakeDirect(agent: Agent, serviceId: string): void {
  const reason = ineligibility(agent, serviceId);
  if (reason) throw new DomainError('AGENT.NOT_AVAILABLE', `agent ${agent.id} cannot take a chat now (${reason})`, { agentId: agent.id, reason });
}

function directDecision(service: Service, agentId: string, at: string): RoutingDecision {
  return {
    policy: service.distribution.policy,
    decidedAt: at,
    candidatesConsidered: 1,
    excluded: [],
    ranking: [{ agentId, values: {} }],
    chosenAgentId: agentId,
    decidedBy: 'direct chat: the customer chose this agent',
  };
}

/**
 * Offers a task that is not in any queue (in-workflow, or queued without a queue entry) to one
 * agent. Idempotent: a task already holding an open offer for the agent finishes that offer's
 * claim. Throws AGENT.NOT_AVAILABLE when the agent cannot take it; when the agent's slot is lost to
 * a race after the task was claimed, the offer is withdrawn and the task is queued in its service.
 */
/**
 * The task after its direct offer was taken back: queued in its service, which is asked for a round,
 * since other agents may take it (otherwise only the withdrawn offer's timer would ask, much later).
 */
async function takenBack(taskId: string, claimed: Task, deps: DistributionDeps): Promise<Task> {
  const task = (await deps.tasks.read(taskId))?.value ?? claimed;
  if (task.state === 'queued') await deps.signal.requestDistribution(task.serviceId, 'direct offer withdrawn');
  return task;
}

export async function offerToAgent(taskId: string, agentId: string, deps: DistributionDeps): Promise<Task> {
  const taskMissing = { code: 'TASK.NOT_FOUND' as const, message: `task ${taskId} not found` };
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const stored = await deps.tasks.read(taskId);
    if (!stored) throw new DomainError(taskMissing.code, taskMissing.message, { taskId });
    const service = (await deps.services.read(stored.value.serviceId))?.value;
    if (!service) throw new DomainError('SERVICE.NOT_FOUND', `service ${stored.value.serviceId} not found`, { serviceId: stored.value.serviceId });
    const open = openOffer(stored.value);
    if (open) {
      if (open.agentId !== agentId) throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is offered to another agent`, { taskId, from: stored.value.state });
      if (!(await completeClaim(stored.value, open, deps, undefined))) return takenBack(taskId, stored.value, deps);
      return stored.value;
    }
    const agent = await deps.agents.read(agentId);
    if (!agent) throw new DomainError('AGENT.NOT_FOUND', `agent ${agentId} not found`, { agentId });
    assertCanTakeDirect(agent.value, service.id);
    let queued: Versioned<Task> = stored;
    if (stored.value.state === 'in-workflow') {
      // Queued without a queue entry: no distribution round can see it, so only this agent is offered it.
      const at = deps.clock.now().toISOString();
      queued = (await update(deps.tasks, taskId, (task) => (task.state === 'in-workflow' ? transition(task, 'queued', { timings: { ...task.timings, queuedAt: at } }) : undefined), taskMissing)).after;
    }
    if (queued.value.state !== 'queued') throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${queued.value.state}; it cannot be offered`, { taskId, from: queued.value.state, to: 'offered' });
    const claimed = await claimTask(service, queued, directDecision(service, agentId, deps.clock.now().toISOString()), deps);
    if (!claimed) continue; // the task changed under us: decide again
    const slot = await claimSlot(claimed.task, claimed.offer, deps, agent);
    if (!slot) return takenBack(taskId, claimed.task, deps);
    await announce(claimed.task, claimed.offer, deps);
    return claimed.task;
  }
  throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} kept changing while it was offered to agent ${agentId}`, { taskId });
}
