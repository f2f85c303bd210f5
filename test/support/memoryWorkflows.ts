// An in-memory WorkflowStore for use-case tests, with the Cosmos adapter's publish semantics.
import { referencesOf, type WorkflowVersion } from '../../src/domain/workflow/model';
import { AlreadyExistsError, PreconditionFailedError, type Page, type Versioned } from '../../src/distribution/ports';
import { workflowVersionId, type WorkflowHead, type WorkflowStore } from '../../src/workflow/ports';

export class MemoryWorkflowStore implements WorkflowStore {
  readonly versions = new Map<string, WorkflowVersion>();
  readonly heads = new Map<string, Versioned<WorkflowHead>>();
  #etags = 0;

  async readVersion(versionId: string): Promise<WorkflowVersion | undefined> {
    await Promise.resolve();
    const version = this.versions.get(versionId);
    return version ? structuredClone(version) : undefined;
  }

  async readHead(workflowId: string): Promise<Versioned<WorkflowHead> | undefined> {
    await Promise.resolve();
    const head = this.heads.get(workflowId);
    return head ? structuredClone(head) : undefined;
  }

  async currentVersionId(workflowId: string): Promise<string | undefined> {
    const head = await this.readHead(workflowId);
    return head ? workflowVersionId(workflowId, head.value.currentVersion) : undefined;
  }

  async publish(version: WorkflowVersion, headEtag: string | null): Promise<Versioned<WorkflowHead>> {
    await Promise.resolve();
    const current = this.heads.get(version.workflowId);
    if (headEtag === null && current) throw new AlreadyExistsError(version.workflowId);
    if (headEtag !== null && current?.etag !== headEtag) throw new PreconditionFailedError(version.workflowId);
    if (this.versions.has(version.id)) throw new PreconditionFailedError(version.id);
    this.versions.set(version.id, structuredClone(version));
    const head: Versioned<WorkflowHead> = {
      value: {
        id: version.workflowId,
        name: version.name,
        currentVersion: version.version,
        ...referencesOf(version),
        createdAt: current?.value.createdAt ?? version.createdAt,
        updatedAt: version.createdAt,
      },
      etag: `"head-${++this.#etags}"`,
    };
    this.heads.set(version.workflowId, head);
    return structuredClone(head);
  }

  async listHeads(pageSize: number, continuationToken?: string): Promise<Page<WorkflowHead>> {
    await Promise.resolve();
    const all = [...this.heads.values()].sort((a, b) => a.value.id.localeCompare(b.value.id));
    const start = continuationToken ? Number(continuationToken) : 0;
    const items = all.slice(start, start + pageSize);
    return { items, continuationToken: start + pageSize < all.length ? String(start + pageSize) : undefined };
  }

  async usingCalendar(calendarId: string): Promise<readonly string[]> {
    await Promise.resolve();
    return [...this.heads.values()].filter((h) => h.value.calendarIds.includes(calendarId)).map((h) => h.value.id);
  }

  async transferringTo(serviceId: string): Promise<readonly string[]> {
    await Promise.resolve();
    return [...this.heads.values()].filter((h) => h.value.transferServiceIds.includes(serviceId)).map((h) => h.value.id);
  }
}
