// An agent desk action refused because the task or offer is not the agent's: when the agent id does
// not exist at all, that is what the caller is told (404 AGENT.NOT_FOUND), not that the task is
// someone else's. Only the refusal reads the agent; an action that goes through costs nothing more.
import { DomainError } from '../domain/errors';
import type { DistributionDeps } from './ports';

const notTheirs = new Set(['TASK.NOT_ASSIGNED_TO_AGENT', 'OFFER.NOT_FOUND']);

export async function asKnownAgent<T>(agentId: string, deps: DistributionDeps, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof DomainError && notTheirs.has(err.code) && !(await deps.agents.read(agentId))) {
      throw new DomainError('AGENT.NOT_FOUND', `agent ${agentId} not found`, { agentId });
    }
    throw err;
  }
}
