// A Cosmos container as a DocumentStore: ETag-conditional replace and delete, 409/412 mapped to
// the ports' errors, and system properties kept out of domain values.
import type { Container, ItemDefinition } from '@azure/cosmos';
import { AlreadyExistsError, PreconditionFailedError, type DocumentStore, type Page, type Versioned } from '../distribution/ports';
import { fetchPage } from './cosmosPages';
import { cosmosStatus } from './cosmosStatus';

type Stored = ItemDefinition & { _etag?: string; _rid?: string; _self?: string; _ts?: number; _attachments?: string };

/** Maps a domain value to its stored document and back (derived query fields live only in storage). */
export interface DocumentMapping<T> {
  toDocument(value: T): Record<string, unknown>;
  fromDocument(document: Record<string, unknown>): T;
}

export function identityMapping<T>(): DocumentMapping<T> {
  return { toDocument: (value) => ({ ...(value as Record<string, unknown>) }), fromDocument: (document) => document as T };
}

export function stripSystemProperties(document: Stored): Record<string, unknown> {
  const { _etag, _rid, _self, _ts, _attachments, ...rest } = document;
  void _etag, void _rid, void _self, void _ts, void _attachments;
  return rest;
}

export class CosmosDocumentStore<T extends { readonly id: string }> implements DocumentStore<T> {
  readonly #container: Container;
  readonly #mapping: DocumentMapping<T>;

  /** For containers partitioned by /id. */
  constructor(container: Container, mapping: DocumentMapping<T> = identityMapping<T>()) {
    this.#container = container;
    this.#mapping = mapping;
  }

  /** The container, for stores that add operations of their own. */
  protected get container(): Container {
    return this.#container;
  }

  /** A document as Cosmos returned it, as the domain value and its ETag. */
  protected versioned(document: Stored | undefined): Versioned<T> {
    if (!document?._etag) throw new Error(`Cosmos returned no document or no ETag in ${this.#container.id}`);
    return { value: this.#mapping.fromDocument(stripSystemProperties(document)), etag: document._etag };
  }

  async read(id: string): Promise<Versioned<T> | undefined> {
    try {
      const { resource, statusCode } = await this.#container.item(id, id).read<Stored>();
      return statusCode === 404 || !resource ? undefined : this.versioned(resource);
    } catch (err) {
      if (cosmosStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async create(value: T): Promise<Versioned<T>> {
    try {
      const { resource } = await this.#container.items.create<Stored>(this.#mapping.toDocument(value));
      return this.versioned(resource);
    } catch (err) {
      if (cosmosStatus(err) === 409) throw new AlreadyExistsError(`${this.#container.id}/${value.id} exists`);
      throw err;
    }
  }

  async replace(value: T, etag: string): Promise<Versioned<T>> {
    try {
      const { resource } = await this.#container.item(value.id, value.id).replace<Stored>(this.#mapping.toDocument(value), { accessCondition: { type: 'IfMatch', condition: etag } });
      return this.versioned(resource);
    } catch (err) {
      const status = cosmosStatus(err);
      if (status === 412 || status === 404) throw new PreconditionFailedError(`${this.#container.id}/${value.id} changed (${String(status)})`);
      throw err;
    }
  }

  async delete(id: string, etag?: string): Promise<boolean> {
    try {
      await this.#container.item(id, id).delete(etag ? { accessCondition: { type: 'IfMatch', condition: etag } } : {});
      return true;
    } catch (err) {
      const status = cosmosStatus(err);
      if (status === 404) return false;
      if (status === 412) throw new PreconditionFailedError(`${this.#container.id}/${id} changed`);
      throw err;
    }
  }

  async list(pageSize: number, continuationToken?: string): Promise<Page<T>> {
    const page = await fetchPage<Stored>(this.#container, 'SELECT * FROM c ORDER BY c.id', pageSize, continuationToken);
    return { items: page.resources.map((r) => this.versioned(r)), continuationToken: page.continuationToken };
  }
}
