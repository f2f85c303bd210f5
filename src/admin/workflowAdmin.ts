// Admin use cases for IM workflows: every change is a new immutable version; the head names the
// current one. A version is only written once its calendars and transfer targets exist.
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { isBeingDeleted, type Service } from '../domain/service';
import type { WorkflowDefinition, WorkflowVersion } from '../domain/workflow/model';
import { activityLabel, type WorkflowIssue } from '../domain/workflow/validate';
import { AlreadyExistsError, PreconditionFailedError, type Clock, type DocumentStore, type Page } from '../distribution/ports';
import { workflowVersionId, type CalendarStore, type WorkflowHead, type WorkflowStore } from '../workflow/ports';
import type { EtagCondition } from './etagCondition';

export interface WorkflowAdminDeps {
  readonly workflows: WorkflowStore;
  readonly calendars: Pick<CalendarStore, 'read'>;
  readonly services: Pick<DocumentStore<Service>, 'read'>;
  readonly clock: Clock;
}

/** A version with the ETag of the workflow's head (what If-Match on PUT compares). */
export interface CurrentWorkflow {
  readonly version: WorkflowVersion;
  readonly etag: string;
}

function notFound(id: string): DomainError {
  return new DomainError('WORKFLOW.NOT_FOUND', `workflow ${id} not found`, { workflowId: id });
}

/** Calendars and transfer targets the definition names must exist; targets must take IM. */
async function referenceIssues(deps: WorkflowAdminDeps, definition: WorkflowDefinition): Promise<WorkflowIssue[]> {
  const checks = definition.nodes.map(async (node, i): Promise<WorkflowIssue | undefined> => {
    const s = node.settings;
    const label = activityLabel(node.id, s.type);
    if (s.type === 'CheckOpeningHours' && !(await deps.calendars.read(s.calendarId))) {
      return { pointer: `/nodes/${i}/settings/calendarId`, activity: node.id, message: `${label}: calendar "${s.calendarId}" does not exist` };
    }
    if (s.type === 'Transfer') {
      const target = await deps.services.read(s.serviceId);
      if (!target) return { pointer: `/nodes/${i}/settings/serviceId`, activity: node.id, message: `${label}: service "${s.serviceId}" does not exist` };
      if (!target.value.imEnabled) return { pointer: `/nodes/${i}/settings/serviceId`, activity: node.id, message: `${label}: service "${s.serviceId}" does not take IM tasks` };
      if (isBeingDeleted(target.value, deps.clock.now())) return { pointer: `/nodes/${i}/settings/serviceId`, activity: node.id, message: `${label}: service "${s.serviceId}" is being deleted` };
    }
    return undefined;
  });
  return (await Promise.all(checks)).filter((issue): issue is WorkflowIssue => issue !== undefined);
}

async function assertReferencesExist(deps: WorkflowAdminDeps, definition: WorkflowDefinition): Promise<void> {
  const issues = await referenceIssues(deps, definition);
  const first = issues[0];
  if (first) {
    throw new DomainError('WORKFLOW.INVALID', `workflow refused: ${first.pointer} ${first.message}`, { issues: issues.map((i) => ({ path: i.pointer, message: i.message, activity: i.activity })) });
  }
}

function versionOf(workflowId: string, version: number, definition: WorkflowDefinition, createdAt: string): WorkflowVersion {
  return { id: workflowVersionId(workflowId, version), workflowId, version, name: definition.name, modality: definition.modality, start: definition.start, nodes: definition.nodes, createdAt };
}

/** Creates the workflow as version 1. `definition` has passed validateWorkflow. */
export async function createWorkflow(deps: WorkflowAdminDeps, definition: WorkflowDefinition, id: string = randomUUID()): Promise<CurrentWorkflow> {
  await assertReferencesExist(deps, definition);
  const version = versionOf(id, 1, definition, deps.clock.now().toISOString());
  try {
    const head = await deps.workflows.publish(version, null);
    return { version, etag: head.etag };
  } catch (err) {
    if (err instanceof AlreadyExistsError) throw new DomainError('CONFLICT.EXISTS', `a workflow with id ${id} exists`, { workflowId: id });
    throw err;
  }
}

/** Writes a new version and makes it current; running tasks keep the version they started with. */
export async function replaceWorkflow(deps: WorkflowAdminDeps, id: string, definition: WorkflowDefinition, condition: EtagCondition): Promise<CurrentWorkflow> {
  const head = await deps.workflows.readHead(id);
  if (!head) throw notFound(id);
  if (!condition.matches(head.etag)) {
    throw new DomainError('CONFLICT.STALE_ETAG', `workflow ${id} changed since you read it (If-Match ${condition.describe}): read it again`, { workflowId: id });
  }
  await assertReferencesExist(deps, definition);
  const version = versionOf(id, head.value.currentVersion + 1, definition, deps.clock.now().toISOString());
  try {
    const published = await deps.workflows.publish(version, head.etag);
    return { version, etag: published.etag };
  } catch (err) {
    if (err instanceof PreconditionFailedError) throw new DomainError('CONFLICT.STALE_ETAG', `workflow ${id} changed while you saved it: read it again`, { workflowId: id });
    throw err;
  }
}

export async function getWorkflow(deps: WorkflowAdminDeps, id: string): Promise<CurrentWorkflow> {
  const head = await deps.workflows.readHead(id);
  if (!head) throw notFound(id);
  const version = await deps.workflows.readVersion(workflowVersionId(id, head.value.currentVersion));
  // The head only ever names a version written before it: a missing one is a broken store, not a 404.
  if (!version) throw new Error(`workflow ${id}: head names version ${head.value.currentVersion}, which is missing`);
  return { version, etag: head.etag };
}

export async function getWorkflowVersion(deps: WorkflowAdminDeps, id: string, version: number): Promise<WorkflowVersion> {
  const found = await deps.workflows.readVersion(workflowVersionId(id, version));
  const head = found ? await deps.workflows.readHead(id) : undefined;
  // A version the head has not reached yet is one being written (or abandoned): not published.
  if (!found || !head || version > head.value.currentVersion) {
    throw new DomainError('WORKFLOW.VERSION_NOT_FOUND', `workflow ${id} has no version ${version}`, { workflowId: id, version });
  }
  return found;
}

export function listWorkflows(deps: WorkflowAdminDeps, pageSize: number, continuationToken?: string): Promise<Page<WorkflowHead>> {
  return deps.workflows.listHeads(pageSize, continuationToken);
}
