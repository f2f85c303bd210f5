// Where workflows and calendars are kept: the admin API writes them, the chat workflow reads them.
import type { Calendar } from '../domain/calendar';
import type { WorkflowVersion } from '../domain/workflow/model';
import type { DocumentStore, Page, Versioned } from '../distribution/ports';

/** A workflow's head: which version is current. Its ETag is the workflow's (If-Match on PUT). */
export interface WorkflowHead {
  readonly id: string;
  readonly name: string;
  readonly currentVersion: number;
  /** Calendars the current version names, so deleting one in use can be refused. */
  readonly calendarIds: readonly string[];
  /** Services the current version transfers to, so deleting one in use can be refused. */
  readonly transferServiceIds: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** `<workflowId>@<version>`, the id of a version document and what a running task keeps. */
export function workflowVersionId(workflowId: string, version: number): string {
  return `${workflowId}@${version}`;
}

export interface WorkflowStore {
  /** A version as written (versions never change), or undefined. */
  readVersion(versionId: string): Promise<WorkflowVersion | undefined>;
  /** The id of the workflow's current version (`<workflowId>@<n>`), or undefined when there is no such workflow. */
  currentVersionId(workflowId: string): Promise<string | undefined>;
  readHead(workflowId: string): Promise<Versioned<WorkflowHead> | undefined>;
  /**
   * Writes `version` and makes it current. `headEtag` is the head the version was based on, or
   * null for a new workflow. Throws AlreadyExistsError when a new workflow's id is taken and
   * PreconditionFailedError when the head moved since `headEtag` (nothing is published then).
   */
  publish(version: WorkflowVersion, headEtag: string | null): Promise<Versioned<WorkflowHead>>;
  /** Heads ordered by id, a page at a time. */
  listHeads(pageSize: number, continuationToken?: string): Promise<Page<WorkflowHead>>;
  /** Ids of workflows whose current version uses the calendar. */
  usingCalendar(calendarId: string): Promise<readonly string[]>;
  /** Ids of workflows whose current version transfers to the service. */
  transferringTo(serviceId: string): Promise<readonly string[]>;
}

/** Calendars (opening hours) by id, with ETags for admin updates. */
export type CalendarStore = DocumentStore<Calendar>;

export interface WorkflowStores {
  readonly store: WorkflowStore;
  readonly calendars: CalendarStore;
}
