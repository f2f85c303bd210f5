// Workflows in the `workflows` container (partition /id): one immutable document per version
// (`<workflowId>@<n>`) and a head document (`<workflowId>`) naming the current version. A version
// is written first and the head moved to it second, conditional on the head the editor read, so a
// reader following the head never meets a version that is not fully written.
import type { Container } from '@azure/cosmos';
import { referencesOf, type WorkflowVersion } from '../domain/workflow/model';
import { AlreadyExistsError, PreconditionFailedError, type Page, type Versioned } from '../distribution/ports';
import { workflowVersionId, type WorkflowHead, type WorkflowStore } from '../workflow/ports';
import { stripSystemProperties } from './cosmosDocumentStore';
import { fetchPage } from './cosmosPages';
import { cosmosStatus } from './cosmosStatus';

type Stored<T> = T & { kind: 'head' | 'version'; _etag?: string };

/**
 * A version document left behind by a publish that crashed before moving the head. Writes take
 * milliseconds, so one this old whose number the head never reached was never published.
 */
const orphanAfterMs = 60_000;

function withoutKind<T>(document: Stored<T>): T {
  const { kind, ...rest } = stripSystemProperties(document) as Stored<T>;
  void kind;
  return rest as T;
}

export class CosmosWorkflowStore implements WorkflowStore {
  readonly #container: Container;
  readonly #now: () => Date;

  constructor(container: Container, now: () => Date = () => new Date()) {
    this.#container = container;
    this.#now = now;
  }

  async #read<T>(id: string): Promise<Stored<T> | undefined> {
    try {
      const { resource, statusCode } = await this.#container.item(id, id).read<Stored<T>>();
      return statusCode === 404 || !resource ? undefined : resource;
    } catch (err) {
      if (cosmosStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async readVersion(versionId: string): Promise<WorkflowVersion | undefined> {
    const document = await this.#read<WorkflowVersion>(versionId);
    return document?.kind === 'version' ? withoutKind(document) : undefined;
  }

  async readHead(workflowId: string): Promise<Versioned<WorkflowHead> | undefined> {
    const document = await this.#read<WorkflowHead>(workflowId);
    if (document?.kind !== 'head' || !document._etag) return undefined;
    return { value: withoutKind(document), etag: document._etag };
  }

  async currentVersionId(workflowId: string): Promise<string | undefined> {
    const head = await this.readHead(workflowId);
    return head ? workflowVersionId(head.value.id, head.value.currentVersion) : undefined;
  }

  async publish(version: WorkflowVersion, headEtag: string | null): Promise<Versioned<WorkflowHead>> {
    const versionEtag = await this.#writeVersion(version, headEtag);
    const head: Stored<WorkflowHead> = {
      id: version.workflowId,
      kind: 'head',
      name: version.name,
      currentVersion: version.version,
      ...referencesOf(version),
      createdAt: version.createdAt,
      updatedAt: version.createdAt,
    };
    try {
      const { resource } =
        headEtag === null
          ? await this.#container.items.create<Stored<WorkflowHead>>(head)
          : await this.#container.item(head.id, head.id).replace<Stored<WorkflowHead>>(await this.#keepCreatedAt(head), { accessCondition: { type: 'IfMatch', condition: headEtag } });
      if (!resource?._etag) throw new Error(`Cosmos returned no head for workflow ${head.id}`);
      return { value: withoutKind(resource), etag: resource._etag };
    } catch (err) {
      const status = cosmosStatus(err);
      if (status !== 409 && status !== 412 && status !== 404) throw err;
      // The head moved under us: our version was never published, so take it back.
      await this.#container
        .item(version.id, version.id)
        .delete({ accessCondition: { type: 'IfMatch', condition: versionEtag } })
        .catch(() => undefined);
      if (status === 409) throw new AlreadyExistsError(`workflow ${head.id} exists`);
      throw new PreconditionFailedError(`workflow ${head.id} changed`);
    }
  }

  async #keepCreatedAt(head: Stored<WorkflowHead>): Promise<Stored<WorkflowHead>> {
    const current = await this.#read<WorkflowHead>(head.id);
    return { ...head, createdAt: current?.createdAt ?? head.createdAt };
  }

  /** Creates the version document, reclaiming an orphan of a crashed publish; answers its ETag. */
  async #writeVersion(version: WorkflowVersion, headEtag: string | null): Promise<string> {
    const document: Stored<WorkflowVersion> = { ...version, kind: 'version' };
    try {
      const { resource } = await this.#container.items.create<Stored<WorkflowVersion>>(document);
      if (!resource?._etag) throw new Error(`Cosmos returned no version ${version.id}`);
      return resource._etag;
    } catch (err) {
      if (cosmosStatus(err) !== 409) throw err;
    }
    const existing = await this.#read<WorkflowVersion>(version.id);
    const head = await this.readHead(version.workflowId);
    const published = head !== undefined && head.value.currentVersion >= version.version;
    const headUnchanged = headEtag === null ? head === undefined : head?.etag === headEtag;
    const abandoned = existing !== undefined && this.#now().getTime() - Date.parse(existing.createdAt) > orphanAfterMs;
    if (existing?._etag && !published && headUnchanged && abandoned) {
      const { resource } = await this.#container.item(version.id, version.id).replace<Stored<WorkflowVersion>>(document, { accessCondition: { type: 'IfMatch', condition: existing._etag } });
      if (resource?._etag) return resource._etag;
    }
    if (headEtag === null) throw new AlreadyExistsError(`workflow ${version.workflowId} exists`);
    throw new PreconditionFailedError(`workflow ${version.workflowId} version ${version.version} is being written by someone else`);
  }

  async listHeads(pageSize: number, continuationToken?: string): Promise<Page<WorkflowHead>> {
    const page = await fetchPage<Stored<WorkflowHead>>(this.#container, "SELECT * FROM c WHERE c.kind = 'head' ORDER BY c.id", pageSize, continuationToken);
    return { items: page.resources.map((document) => ({ value: withoutKind(document), etag: document._etag ?? '' })), continuationToken: page.continuationToken };
  }

  usingCalendar(calendarId: string): Promise<readonly string[]> {
    return this.#headsNaming('calendarIds', calendarId);
  }

  transferringTo(serviceId: string): Promise<readonly string[]> {
    return this.#headsNaming('transferServiceIds', serviceId);
  }

  /** Ids of the heads whose list `field` holds `id`. */
  async #headsNaming(field: 'calendarIds' | 'transferServiceIds', id: string): Promise<readonly string[]> {
    const { resources } = await this.#container.items
      .query<string>({ query: `SELECT VALUE c.id FROM c WHERE c.kind = 'head' AND ARRAY_CONTAINS(c.${field}, @id)`, parameters: [{ name: '@id', value: id }] })
      .fetchAll();
    return resources;
  }
}
