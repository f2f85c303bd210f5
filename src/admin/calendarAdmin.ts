// Admin use cases for calendars (opening hours): create, read, list, replace under an ETag, and
// delete unless a workflow's current version checks it.
import { randomUUID } from 'node:crypto';
import type { Calendar } from '../domain/calendar';
import { DomainError } from '../domain/errors';
import { AlreadyExistsError, type Clock, type Page, type Versioned } from '../distribution/ports';
import type { CalendarStore, WorkflowStore } from '../workflow/ports';
import type { EtagCondition } from './etagCondition';

export interface CalendarAdminDeps {
  readonly calendars: CalendarStore;
  readonly workflows: Pick<WorkflowStore, 'usingCalendar'>;
  readonly clock: Clock;
}

export type CalendarSettings = Omit<Calendar, 'id' | 'createdAt' | 'updatedAt'>;

function notFound(id: string): DomainError {
  return new DomainError('CALENDAR.NOT_FOUND', `calendar ${id} not found`, { calendarId: id });
}

function stale(id: string, condition: EtagCondition): DomainError {
  return new DomainError('CONFLICT.STALE_ETAG', `calendar ${id} changed since you read it (If-Match ${condition.describe}): read it again`, { calendarId: id });
}

export async function createCalendar(deps: CalendarAdminDeps, settings: CalendarSettings, id: string = randomUUID()): Promise<Versioned<Calendar>> {
  const now = deps.clock.now().toISOString();
  try {
    return await deps.calendars.create({ id, ...settings, createdAt: now, updatedAt: now });
  } catch (err) {
    if (err instanceof AlreadyExistsError) throw new DomainError('CONFLICT.EXISTS', `a calendar with id ${id} exists`, { calendarId: id });
    throw err;
  }
}

export async function getCalendar(deps: CalendarAdminDeps, id: string): Promise<Versioned<Calendar>> {
  const stored = await deps.calendars.read(id);
  if (!stored) throw notFound(id);
  return stored;
}

export function listCalendars(deps: CalendarAdminDeps, pageSize: number, continuationToken?: string): Promise<Page<Calendar>> {
  return deps.calendars.list(pageSize, continuationToken);
}

/** Replaces the calendar; running workflows see the new hours at their next Check Opening Hours. */
export async function replaceCalendar(deps: CalendarAdminDeps, id: string, settings: CalendarSettings, condition: EtagCondition): Promise<Versioned<Calendar>> {
  const current = await deps.calendars.read(id);
  if (!current) throw notFound(id);
  if (!condition.matches(current.etag)) throw stale(id, condition);
  return deps.calendars.replace({ id, ...settings, createdAt: current.value.createdAt, updatedAt: deps.clock.now().toISOString() }, current.etag);
}

/** Deletes the calendar unless a workflow's current version uses it (its Check Opening Hours would fail). */
export async function deleteCalendar(deps: CalendarAdminDeps, id: string, condition?: EtagCondition): Promise<void> {
  const current = await deps.calendars.read(id);
  if (!current) throw notFound(id);
  if (condition && !condition.matches(current.etag)) throw stale(id, condition);
  const users = await deps.workflows.usingCalendar(id);
  if (users.length > 0) {
    throw new DomainError('CALENDAR.IN_USE', `calendar ${id} is used by workflow${users.length > 1 ? 's' : ''} ${users.join(', ')}: change them first`, { calendarId: id, workflowIds: users });
  }
  if (!(await deps.calendars.delete(id, condition ? current.etag : undefined))) throw notFound(id);
}
