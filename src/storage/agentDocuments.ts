// Agents as stored: the domain Agent plus derived fields the directory queries filter on.
import type { Container } from '@azure/cosmos';
import { freeSlots, profileOf, type Agent } from '../domain/agent';
import type { AgentDirectory, Versioned } from '../distribution/ports';
import { stripSystemProperties, type DocumentMapping } from './cosmosDocumentStore';

interface DerivedFields {
  memberServiceIds: string[];
  onDutyServiceIds: string[];
  /** IM chats the agent could still take: the directory asks only for agents with room. */
  freeImSlots: number;
}

export const agentMapping: DocumentMapping<Agent> = {
  toDocument(agent) {
    const derived: DerivedFields = {
      memberServiceIds: agent.memberships.map((m) => m.serviceId),
      onDutyServiceIds: agent.memberships.filter((m) => profileOf(agent, m.profile)?.onDuty).map((m) => m.serviceId),
      freeImSlots: freeSlots(agent),
    };
    return { ...agent, ...derived };
  },
  fromDocument(document) {
    const { memberServiceIds, onDutyServiceIds, freeImSlots, notAvailable, ...agent } = document as unknown as Agent & DerivedFields & { notAvailable?: unknown };
    void memberServiceIds, void onDutyServiceIds, void freeImSlots, void notAvailable;
    // Agents stored before not-available reasons were assigned have neither list (nor the single request they had then).
    return { ...agent, notAvailableReasons: agent.notAvailableReasons ?? [], notAvailableRequests: agent.notAvailableRequests ?? [] };
  },
};

export class CosmosAgentDirectory implements AgentDirectory {
  readonly #container: Container;

  constructor(container: Container) {
    this.#container = container;
  }

  async candidatesFor(serviceId: string): Promise<readonly Versioned<Agent>[]> {
    // Coarse filter in the query; the domain applies the exact eligibility rules. Only agents with a
    // free slot: with many agents busy, a round reads the few who can take a chat, not all of them.
    const { resources } = await this.#container.items
      .query<Record<string, unknown> & { _etag: string }>({
        query: "SELECT * FROM a WHERE ARRAY_CONTAINS(a.onDutyServiceIds, @serviceId) AND a.presence = 'available' AND a.imLicensed = true AND a.freeImSlots > 0",
        parameters: [{ name: '@serviceId', value: serviceId }],
      })
      .fetchAll();
    return resources.map((r) => ({ value: agentMapping.fromDocument(stripSystemProperties(r)), etag: r._etag }));
  }

  // Signed-in agents who can take chats in the service: on duty and IM-licensed (those without a
  // licence are never offered one, so they shorten no wait).
  async staffedCapacity(serviceId: string): Promise<number> {
    const { resources } = await this.#container.items
      .query<{ imCapacity: number }>({
        query: "SELECT a.imCapacity FROM a WHERE ARRAY_CONTAINS(a.onDutyServiceIds, @serviceId) AND a.presence != 'offline' AND a.imLicensed = true",
        parameters: [{ name: '@serviceId', value: serviceId }],
      })
      .fetchAll();
    return resources.reduce((sum, r) => sum + r.imCapacity, 0);
  }

  async onDutyCount(serviceId: string): Promise<number> {
    const { resources } = await this.#container.items
      .query<number>({
        query: "SELECT VALUE COUNT(1) FROM a WHERE ARRAY_CONTAINS(a.onDutyServiceIds, @serviceId) AND a.presence != 'offline' AND a.imLicensed = true",
        parameters: [{ name: '@serviceId', value: serviceId }],
      })
      .fetchAll();
    return resources[0] ?? 0;
  }

  async members(serviceId: string, limit: number): Promise<readonly string[]> {
    const { resources } = await this.#container.items
      .query<string>({ query: 'SELECT TOP @limit VALUE a.id FROM a WHERE ARRAY_CONTAINS(a.memberServiceIds, @serviceId)', parameters: [{ name: '@serviceId', value: serviceId }, { name: '@limit', value: limit }] })
      .fetchAll();
    return resources;
  }
}
