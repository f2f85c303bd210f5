// Agent feeds in the `events` container (partition = recipient): the same event id is one event.
import type { Container } from '@azure/cosmos';
import type { AgentEvent, AgentNotifier } from '../distribution/ports';

export class CosmosAgentNotifier implements AgentNotifier {
  readonly #container: Container;
  readonly #now: () => Date;

  constructor(container: Container, now: () => Date) {
    this.#container = container;
    this.#now = now;
  }

  async notify(agentId: string, eventId: string, event: AgentEvent): Promise<void> {
    await this.#container.items.upsert({ id: eventId, recipient: `agent:${agentId}`, createdAt: this.#now().toISOString(), ...event });
  }
}
