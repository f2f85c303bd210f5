// Admin API for calendars (opening hours): POST/GET/PUT/DELETE /api/calendars[/{id}] (function key).
import { createCalendar, deleteCalendar, getCalendar, listCalendars, replaceCalendar } from '../src/admin/calendarAdmin';
import { CalendarCreateBody, CalendarUpdateBody } from '../src/api/calendarSchemas';
import { switchboard } from '../src/app/switchboard';
import { registerAdminResource } from './http/adminResource';

const sb = switchboard();

registerAdminResource({
  collection: 'calendars',
  noun: 'Calendar',
  deps: { calendars: sb.workflows.calendars, workflows: sb.workflows.store, clock: sb.distribution.clock },
  createBody: CalendarCreateBody,
  updateBody: CalendarUpdateBody,
  create: createCalendar,
  list: listCalendars,
  get: getCalendar,
  replace: replaceCalendar,
  remove: deleteCalendar,
});
