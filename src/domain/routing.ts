// Choosing the agent for a task under the service's policy, with the reasons recorded as the
// task's routing log: who was considered, who was excluded and why, and what decided.
import { ineligibility, load, membershipOf, skillLevel, type Agent, type IneligibleReason } from './agent';
import type { DistributionPolicy, Service } from './service';

export interface RankedCandidate {
  readonly agentId: string;
  /** The values the policy compared, in order of precedence. */
  readonly values: Readonly<Record<string, string | number | null>>;
}

export interface RoutingDecision {
  readonly policy: DistributionPolicy;
  readonly decidedAt: string;
  readonly candidatesConsidered: number;
  readonly excluded: readonly { readonly agentId: string; readonly reason: IneligibleReason | 'declined-before' | 'rang-out-before' }[];
  /** The best few eligible agents, best first. */
  readonly ranking: readonly RankedCandidate[];
  readonly chosenAgentId: string;
  readonly decidedBy: string;
}

export interface RoutingTask {
  readonly id: string;
  /** Agents who declined this task or let it ring out: not offered it again. */
  readonly refusedBy: readonly string[];
  /** Of those, the ones who only let it ring out (the routing log says so); none when not known. */
  readonly rangOutBy?: readonly string[];
}

const rankingShown = 5;

type Key = { readonly name: string; readonly value: (agent: Agent) => string | number | null; readonly direction: 'asc' | 'desc' };

/**
 * The policy's keys, best first. "Idle" means holding nothing: an agent with chats or offers (IM is
 * non-blocking, so they may take more) ranks behind every agent with fewer, whatever their idle
 * time says (it was set when they last had nothing to do, so it is older than a free agent's).
 */
function keysFor(service: Service): readonly Key[] {
  const holding: Key = { name: 'chatsHeld', value: (a) => load(a), direction: 'asc' };
  const idle: Key = { name: 'idleSince', value: (a) => a.idleSince, direction: 'asc' };
  const id: Key = { name: 'agentId', value: (a) => a.id, direction: 'asc' };
  switch (service.distribution.policy) {
    case 'longest-idle':
      return [holding, idle, id];
    case 'round-robin':
      // Never offered sorts first (empty string), then the one offered longest ago.
      return [{ name: 'lastOfferAt', value: (a) => a.lastOfferAt ?? '', direction: 'asc' }, id];
    case 'skills':
      return [
        { name: 'skillScore', value: (a) => service.distribution.requiredSkills.reduce((sum, r) => sum + (skillLevel(a, r.skill) ?? 0), 0), direction: 'desc' },
        holding,
        idle,
        id,
      ];
    case 'priority':
      return [{ name: 'membershipPriority', value: (a) => membershipOf(a, service.id)?.priority ?? 0, direction: 'desc' }, holding, idle, id];
  }
}

function compareBy(keys: readonly Key[]): (a: Agent, b: Agent) => number {
  return (a, b) => {
    for (const key of keys) {
      const x = key.value(a) ?? '';
      const y = key.value(b) ?? '';
      if (x === y) continue;
      const order = x < y ? -1 : 1;
      return key.direction === 'asc' ? order : -order;
    }
    return 0;
  };
}

/** The first `count` agents in `compare` order, best first: one pass, not a sort of every agent. */
function best(agents: readonly Agent[], count: number, compare: (a: Agent, b: Agent) => number): Agent[] {
  const top: Agent[] = [];
  for (const agent of agents) {
    if (top.length === count && compare(agent, top[count - 1] as Agent) >= 0) continue;
    let at = top.length;
    while (at > 0 && compare(agent, top[at - 1] as Agent) < 0) at--;
    top.splice(at, 0, agent);
    if (top.length > count) top.pop();
  }
  return top;
}

/** The best eligible agent for the task with the routing log, or undefined when nobody can take it. */
export function chooseAgent(service: Service, task: RoutingTask, agents: readonly Agent[], now: Date): RoutingDecision | undefined {
  const required = service.distribution.policy === 'skills' ? service.distribution.requiredSkills : [];
  const excluded: RoutingDecision['excluded'][number][] = [];
  const eligible: Agent[] = [];
  for (const agent of agents) {
    const refused = task.refusedBy.includes(agent.id) ? (task.rangOutBy?.includes(agent.id) ? 'rang-out-before' : 'declined-before') : undefined;
    const reason = refused ?? ineligibility(agent, service.id, required);
    if (reason) excluded.push({ agentId: agent.id, reason });
    else eligible.push(agent);
  }
  if (eligible.length === 0) return undefined;
  const keys = keysFor(service);
  const ranked = best(eligible, rankingShown, compareBy(keys));
  const chosen = ranked[0] as Agent;
  const runnerUp = ranked[1];
  const deciding = runnerUp ? keys.find((k) => k.value(chosen) !== k.value(runnerUp)) : undefined;
  return {
    policy: service.distribution.policy,
    decidedAt: now.toISOString(),
    candidatesConsidered: agents.length,
    excluded,
    ranking: ranked.slice(0, rankingShown).map((a) => ({ agentId: a.id, values: Object.fromEntries(keys.map((k) => [k.name, k.value(a)])) })),
    chosenAgentId: chosen.id,
    decidedBy: runnerUp ? `${deciding?.name ?? 'agentId'}: ${String(deciding?.value(chosen))} beats ${String(deciding?.value(runnerUp))}` : 'the only eligible agent',
  };
}
