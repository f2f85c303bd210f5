// Workflow and calendar admin use cases over in-memory stores: versions, references, ETags.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deleteCalendar } from '../../../src/admin/calendarAdmin';
import type { EtagCondition } from '../../../src/admin/etagCondition';
import { createWorkflow, getWorkflow, getWorkflowVersion, replaceWorkflow, type WorkflowAdminDeps } from '../../../src/admin/workflowAdmin';
import type { Calendar } from '../../../src/domain/calendar';
import { DomainError } from '../../../src/domain/errors';
import type { Service } from '../../../src/domain/service';
import type { WorkflowDefinition } from '../../../src/domain/workflow/model';
import { makeService } from '../../support/distributionFixtures';
import { ManualClock, MemoryStore, World } from '../../support/memoryDistribution';
import { MemoryWorkflowStore } from '../../support/memoryWorkflows';

const anyVersion: EtagCondition = { matches: () => true, describe: '*' };
const codeOf = (err: unknown): string => (err instanceof DomainError ? err.code : String(err));

function definition(calendarId = 'office', transferTo = 'sales', greeting = 'Hello'): WorkflowDefinition {
  return {
    name: 'Support chat',
    modality: 'IM',
    start: 'greet',
    nodes: [
      { id: 'greet', settings: { type: 'Message', text: greeting, visibility: 'ALL', messageType: 'text' }, exits: { next: 'hours' } },
      { id: 'hours', settings: { type: 'CheckOpeningHours', calendarId }, exits: { open: 'move', closed: 'move', holiday: 'move' } },
      { id: 'move', settings: { type: 'Transfer', serviceId: transferTo }, exits: {} },
    ],
  };
}

function setup() {
  const world = new World();
  const clock = new ManualClock();
  const calendars = new MemoryStore<Calendar>(world, 'calendars');
  const services = new MemoryStore<Service>(world, 'services');
  const workflows = new MemoryWorkflowStore();
  const deps: WorkflowAdminDeps = { workflows, calendars, services, clock };
  const now = clock.now().toISOString();
  const calendar: Calendar = { id: 'office', name: 'Office', timeZone: 'UTC', weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] }, holidays: [], specialDays: [], createdAt: now, updatedAt: now };
  return { deps, clock, calendars, services, workflows, calendar };
}

async function seeded() {
  const s = setup();
  await s.calendars.create(s.calendar);
  await s.services.create(makeService('sales'));
  return s;
}

describe('workflow admin use cases', () => {
  it('creates version 1 and saves every change as the next version, keeping the old ones', async () => {
    const { deps, clock, workflows } = await seeded();
    const v1 = await createWorkflow(deps, definition(), 'wf');
    assert.equal(v1.version.id, 'wf@1');
    assert.equal(v1.version.createdAt, clock.now().toISOString());
    clock.advance(1000);
    const v2 = await replaceWorkflow(deps, 'wf', definition('office', 'sales', 'Hi again'), anyVersion);
    assert.equal(v2.version.version, 2);
    assert.notEqual(v2.etag, v1.etag);
    assert.equal((await getWorkflow(deps, 'wf')).version.version, 2);
    const first = await getWorkflowVersion(deps, 'wf', 1);
    assert.deepEqual(first.nodes[0]?.settings, { type: 'Message', text: 'Hello', visibility: 'ALL', messageType: 'text' });
    assert.equal(await workflows.currentVersionId('wf'), 'wf@2');
    await assert.rejects(getWorkflowVersion(deps, 'wf', 3), (err) => codeOf(err) === 'WORKFLOW.VERSION_NOT_FOUND');
    await assert.rejects(getWorkflow(deps, 'nope'), (err) => codeOf(err) === 'WORKFLOW.NOT_FOUND');
    await assert.rejects(createWorkflow(deps, definition(), 'wf'), (err) => codeOf(err) === 'CONFLICT.EXISTS');
  });

  it('refuses a stale If-Match, writing no version', async () => {
    const { deps, workflows } = await seeded();
    await createWorkflow(deps, definition(), 'wf');
    const stale: EtagCondition = { matches: () => false, describe: '"old"' };
    await assert.rejects(replaceWorkflow(deps, 'wf', definition(), stale), (err) => codeOf(err) === 'CONFLICT.STALE_ETAG');
    assert.equal(await workflows.currentVersionId('wf'), 'wf@1');
    assert.equal(workflows.versions.size, 1);
    await assert.rejects(replaceWorkflow(deps, 'nope', definition(), anyVersion), (err) => codeOf(err) === 'WORKFLOW.NOT_FOUND');
  });

  it('refuses missing calendars and transfer targets that do not exist or take no IM, naming each by pointer and activity', async () => {
    const { deps, services, workflows } = await seeded();
    await services.create(makeService('phone', { imEnabled: false }));
    const issuesOf = async (d: WorkflowDefinition) => {
      try {
        await createWorkflow(deps, d, 'refs');
      } catch (err) {
        assert.equal(codeOf(err), 'WORKFLOW.INVALID');
        return (err as DomainError).details['issues'];
      }
      assert.fail('accepted');
    };
    assert.deepEqual(await issuesOf(definition('nowhere', 'ghost')), [
      { path: '/nodes/1/settings/calendarId', activity: 'hours', message: 'CheckOpeningHours "hours": calendar "nowhere" does not exist' },
      { path: '/nodes/2/settings/serviceId', activity: 'move', message: 'Transfer "move": service "ghost" does not exist' },
    ]);
    assert.deepEqual(await issuesOf(definition('office', 'phone')), [{ path: '/nodes/2/settings/serviceId', activity: 'move', message: 'Transfer "move": service "phone" does not take IM tasks' }]);
    assert.equal(workflows.versions.size, 0, 'nothing written');
    await createWorkflow(deps, definition(), 'refs');
    await assert.rejects(replaceWorkflow(deps, 'refs', definition('nowhere'), anyVersion), (err) => codeOf(err) === 'WORKFLOW.INVALID');
    assert.equal(await workflows.currentVersionId('refs'), 'refs@1');
  });

  it('refuses to delete a calendar the current version of a workflow checks', async () => {
    const { deps, calendars, clock, workflows, calendar } = await seeded();
    await calendars.create({ ...calendar, id: 'other' });
    await createWorkflow(deps, definition('office'), 'wf');
    const calendarDeps = { calendars, workflows, clock };
    await assert.rejects(deleteCalendar(calendarDeps, 'office'), (err) => codeOf(err) === 'CALENDAR.IN_USE' && (err as DomainError).details['workflowIds'] !== undefined);
    assert.ok(calendars.docs.has('office'));
    await replaceWorkflow(deps, 'wf', definition('other'), anyVersion);
    await deleteCalendar(calendarDeps, 'office');
    assert.ok(!calendars.docs.has('office'));
    await assert.rejects(deleteCalendar(calendarDeps, 'office'), (err) => codeOf(err) === 'CALENDAR.NOT_FOUND');
  });
});
