// An agent as the API shows them: their offers without the task ETag each slot keeps for the
// accept (how storage writes the accept, not something the agent or an admin acts on).
import type { Agent, AgentOffer } from '../domain/agent';
import type { Page, Versioned } from '../distribution/ports';

export function shownOffers(offers: readonly AgentOffer[]): AgentOffer[] {
  return offers.map(({ taskEtag, ...shown }) => (void taskEtag, shown));
}

export function shownAgent(agent: Agent): Agent {
  return { ...agent, offers: shownOffers(agent.offers) };
}

export function shownVersion(stored: Versioned<Agent>): Versioned<Agent> {
  return { value: shownAgent(stored.value), etag: stored.etag };
}

export function shownPage(page: Page<Agent>): Page<Agent> {
  return { ...page, items: page.items.map(shownVersion) };
}
