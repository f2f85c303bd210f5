// Customer token records (hashes only) in the `conversations` container, in their chat's partition.
import type { Container, ItemDefinition } from '@azure/cosmos';
import type { CustomerTokenRecord, CustomerTokenStore } from '../chat/ports';
import { cosmosStatus } from './cosmosStatus';

const tokenId = 'customer-token';

export class CosmosCustomerTokenStore implements CustomerTokenStore {
  readonly #container: Container;

  constructor(container: Container) {
    this.#container = container;
  }

  async put(record: CustomerTokenRecord): Promise<void> {
    await this.#container.items.upsert({ id: tokenId, type: 'customer-token', conversationId: record.chatId, ...record });
  }

  async read(chatId: string): Promise<CustomerTokenRecord | undefined> {
    try {
      const { resource } = await this.#container.item(tokenId, chatId).read<ItemDefinition & CustomerTokenRecord>();
      if (!resource) return undefined;
      const { chatId: id, sha256, issuedAt, expiresAt, closedAt } = resource;
      return { chatId: id, sha256, issuedAt, expiresAt, closedAt };
    } catch (err) {
      if (cosmosStatus(err) === 404) return undefined;
      throw err;
    }
  }
}
