// Conversations in the `conversations` container, one partition per conversation: its header
// document and its messages, so every read and write here is single-partition. Document ids are
// prefixed by kind, so a message id chosen by a workflow can never collide with the header.
import type { Container, ItemDefinition, PatchOperation } from '@azure/cosmos';
import type { ChatMessage, ConversationHeader } from '../domain/conversation';
import type { Visibility } from '../domain/workflow/model';
import type { ConversationStore } from '../chat/ports';
import { stripSystemProperties } from './cosmosDocumentStore';
import { cosmosStatus } from './cosmosStatus';

const headerId = 'header';
const messageDocId = (messageId: string): string => `message.${messageId}`;

type MessageDocument = Omit<ChatMessage, 'id'> & { id: string; type: 'message'; messageId: string };
type HeaderDocument = ConversationHeader & { id: string; type: 'conversation' };

function toMessage(document: ItemDefinition): ChatMessage {
  const { id, type, messageId, ...message } = stripSystemProperties(document) as unknown as MessageDocument;
  void id, void type;
  return { id: messageId, ...message };
}

function toHeader(document: ItemDefinition): ConversationHeader {
  const { id, type, ...header } = stripSystemProperties(document) as unknown as HeaderDocument;
  void id, void type;
  return header;
}

export class CosmosConversationStore implements ConversationStore {
  readonly #container: Container;

  constructor(container: Container) {
    this.#container = container;
  }

  async createHeader(header: ConversationHeader): Promise<ConversationHeader> {
    try {
      await this.#container.items.create<HeaderDocument>({ id: headerId, type: 'conversation', ...header });
      return header;
    } catch (err) {
      if (cosmosStatus(err) !== 409) throw err;
      const stored = await this.readHeader(header.conversationId);
      if (!stored) throw err;
      return stored;
    }
  }

  async readHeader(conversationId: string): Promise<ConversationHeader | undefined> {
    try {
      const { resource } = await this.#container.item(headerId, conversationId).read<ItemDefinition>();
      return resource ? toHeader(resource) : undefined;
    } catch (err) {
      if (cosmosStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async updateHeader(conversationId: string, changes: Partial<Pick<ConversationHeader, 'status' | 'customerOnline' | 'lastCustomerMessageAt' | 'endedAt'>>): Promise<void> {
    const operations: PatchOperation[] = Object.entries(changes).map(([field, value]) => ({ op: 'set', path: `/${field}`, value: value as unknown }));
    if (operations.length === 0) return;
    // A patch sets only these fields, so concurrent updates of different fields cannot undo each other.
    await this.#container.item(headerId, conversationId).patch(operations);
  }

  async append(message: ChatMessage): Promise<{ message: ChatMessage; created: boolean }> {
    const { id, ...rest } = message;
    try {
      await this.#container.items.create<MessageDocument>({ id: messageDocId(id), type: 'message', messageId: id, ...rest });
      return { message, created: true };
    } catch (err) {
      if (cosmosStatus(err) !== 409) throw err;
      const stored = await this.readMessage(message.conversationId, id);
      if (!stored) throw err;
      return { message: stored, created: false };
    }
  }

  async readMessage(conversationId: string, messageId: string): Promise<ChatMessage | undefined> {
    try {
      const { resource } = await this.#container.item(messageDocId(messageId), conversationId).read<ItemDefinition>();
      return resource ? toMessage(resource) : undefined;
    } catch (err) {
      if (cosmosStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async list(conversationId: string, visibilities: readonly Visibility[]): Promise<readonly ChatMessage[]> {
    const { resources } = await this.#container.items
      .query<ItemDefinition>(
        {
          // Filtered by visibility in the query: what a reader may not see never leaves the database.
          query: "SELECT * FROM c WHERE c.conversationId = @conversationId AND c.type = 'message' AND ARRAY_CONTAINS(@visibilities, c.visibility) ORDER BY c.postedAt",
          parameters: [
            { name: '@conversationId', value: conversationId },
            { name: '@visibilities', value: [...visibilities] },
          ],
        },
        { partitionKey: conversationId },
      )
      .fetchAll();
    // Messages posted in the same millisecond come back in no set order; their ids settle it.
    return resources.map(toMessage).sort((a, b) => (a.postedAt === b.postedAt ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.postedAt < b.postedAt ? -1 : 1));
  }
}
