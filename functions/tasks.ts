// External task API: put a task into a service's queue, follow it, re-prioritise or cancel it.
import { app } from '@azure/functions';
import { parseIdempotencyKey } from '../src/api/idempotencyKey';
import { parseJsonBody } from '../src/api/parseRequest';
import { CancelBody, NewTaskBody, PriorityBody, taskAnswer } from '../src/api/taskSchemas';
import { switchboard } from '../src/app/switchboard';
import { DomainError } from '../src/domain/errors';
import { cancelTask } from '../src/distribution/cancelTask';
import { changePriority } from '../src/distribution/changePriority';
import { createTask } from '../src/distribution/createTask';
import { queuePosition } from '../src/distribution/queuePosition';
import { chatEvents } from '../src/workflow/contract';
import { chatWorkflowClient, durableClientInput } from './durable/chatWorkflowClient';
import { bodyText, handle, param } from './http/handle';

const deps = switchboard().distribution;

async function readTask(taskId: string) {
  const stored = await deps.tasks.read(taskId);
  if (!stored) throw new DomainError('TASK.NOT_FOUND', `task ${taskId} not found`, { taskId });
  return stored;
}

app.http('createTask', {
  methods: ['POST'],
  route: 'services/{serviceId}/tasks',
  authLevel: 'function',
  handler: handle(async (request) => {
    const body = parseJsonBody(NewTaskBody, await bodyText(request), true);
    const idempotencyKey = parseIdempotencyKey(request.headers.get('idempotency-key'));
    const { task, created } = await createTask({ serviceId: param(request, 'serviceId'), channel: 'external', ...body, ...(idempotencyKey ? { idempotencyKey } : {}) }, deps);
    return { status: created ? 201 : 200, headers: { location: `/api/tasks/${task.id}` }, jsonBody: taskAnswer(task) };
  }),
});

app.http('getTask', {
  methods: ['GET'],
  route: 'tasks/{taskId}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { value, etag } = await readTask(param(request, 'taskId'));
    return { jsonBody: taskAnswer(value), headers: { etag } };
  }),
});

app.http('taskPosition', {
  methods: ['GET'],
  route: 'tasks/{taskId}/position',
  authLevel: 'function',
  handler: handle(async (request) => ({ jsonBody: await queuePosition(param(request, 'taskId'), deps) })),
});

app.http('taskRouting', {
  methods: ['GET'],
  route: 'tasks/{taskId}/routing',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { value } = await readTask(param(request, 'taskId'));
    return { jsonBody: { taskId: value.id, offers: value.offers } };
  }),
});

app.http('changeTaskPriority', {
  methods: ['PATCH'],
  route: 'tasks/{taskId}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { priority } = parseJsonBody(PriorityBody, await bodyText(request));
    return { jsonBody: taskAnswer(await changePriority(param(request, 'taskId'), priority, deps)) };
  }),
});

app.http('cancelTask', {
  methods: ['POST'],
  route: 'tasks/{taskId}/cancel',
  authLevel: 'function',
  extraInputs: [durableClientInput],
  handler: handle(async (request, context) => {
    const { reason } = parseJsonBody(CancelBody, await bodyText(request), true);
    const task = await cancelTask(param(request, 'taskId'), reason ?? 'cancelled by the external task API', deps);
    if (task.channel === 'web') await chatWorkflowClient(context).raise(task.id, chatEvents.taskEnded, { state: task.state });
    return { jsonBody: taskAnswer(task) };
  }),
});
