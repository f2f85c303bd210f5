// An agent as the API shows them: their offers and tasks without what each slot keeps for the
// accept and the finish (task ETags: how storage writes those, not something the agent or an admin
// acts on).
import type { Agent, AgentOffer, AgentTask } from '../domain/agent';
import type { Page, Versioned } from '../distribution/ports';

export function shownOffers(offers: readonly AgentOffer[]): AgentOffer[] {
  return offers.map(({ taskEtag, ...shown }) => (void taskEtag, shown));
}

export function shownTasks(tasks: readonly AgentTask[]): AgentTask[] {
  return tasks.map(({ accepted, ...shown }) => (void accepted, shown));
}

export function shownAgent(agent: Agent): Agent {
  return { ...agent, offers: shownOffers(agent.offers), tasks: shownTasks(agent.tasks) };
}

export function shownVersion(stored: Versioned<Agent>): Versioned<Agent> {
  return { value: shownAgent(stored.value), etag: stored.etag };
}

export function shownPage(page: Page<Agent>): Page<Agent> {
  return { ...page, items: page.items.map(shownVersion) };
}
