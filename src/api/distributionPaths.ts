// The external task API's and the agent desk API's paths in the OpenAPI document.
import { CodingBody, ExtendAcwBody, NoFieldsBody, NotAvailableReasonBody, PresenceBody, ProfileBody } from './agentDeskSchemas';
import { AgentOfferSchema, AgentStateSchema, AgentTaskSchema, NotAvailableRequestSchema } from './agentSchemas';
import { ErrorBody, functionKeyAuth, openApiRegistry } from './openApiRegistry';
import { CancelBody, NewTaskBody, PriorityBody, QueuePositionBody, RoutingLog, TaskSchema } from './taskSchemas';
import { z } from './zod';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, ...json(ErrorBody) });
const security = [{ [functionKeyAuth.name]: [] }];

interface PathSpec {
  method: 'get' | 'post' | 'put' | 'patch';
  path: string;
  summary: string;
  tag: 'Tasks' | 'Agent desk';
  params: Record<string, string>;
  body?: z.ZodType;
  /** The body may be left out (an empty body is taken as `{}`). */
  bodyOptional?: boolean;
  /** What the Idempotency-Key header does, when the route reads one. */
  idempotencyKey?: string;
  answer: z.ZodType;
  /** Answered 201 when it creates (200 when a retry finds it created). */
  creates?: boolean;
  /** The agent's action on a task or offer that is not theirs. */
  notTheirs?: boolean;
  conflicts?: string;
  /** What a 422 means, when the route answers one. */
  unprocessable?: string;
}

function register(spec: PathSpec): void {
  openApiRegistry.registerPath({
    method: spec.method,
    path: spec.path,
    tags: [spec.tag],
    summary: spec.summary,
    security,
    request: {
      params: z.object(Object.fromEntries(Object.entries(spec.params).map(([name, description]) => [name, z.string().openapi({ description })]))),
      ...(spec.idempotencyKey ? { headers: z.object({ 'Idempotency-Key': z.string().min(1).max(200).optional().openapi({ description: `${spec.idempotencyKey} 1 to 200 characters; a blank or longer one gets 400.` }) }) } : {}),
      ...(spec.body ? { body: { required: !spec.bodyOptional, ...json(spec.body) } } : {}),
    },
    responses: {
      ...(spec.creates ? { 201: { description: 'Created.', headers: z.object({ Location: z.string().openapi({ description: 'The path of the new resource.' }) }), ...json(spec.answer) } } : {}),
      200: { description: spec.creates ? 'A retry with the same Idempotency-Key: the resource it created.' : 'Done.', ...json(spec.answer) },
      400: problem('The body or a parameter is malformed; the issues name each field by JSON pointer.'),
      // The Functions host answers this itself, with no JSON body.
      401: { description: 'No valid function key (x-functions-key header or code query parameter).' },
      ...(spec.notTheirs ? { 403: problem('TASK.NOT_ASSIGNED_TO_AGENT: the task is not assigned to this agent.') } : {}),
      404: problem('An id in the path does not exist.'),
      ...(spec.conflicts ? { 409: problem(spec.conflicts) } : {}),
      ...(spec.unprocessable ? { 422: problem(spec.unprocessable) } : {}),
    },
  });
}

const taskId = { taskId: 'The task id.' };
const agentId = { agentId: 'The agent id.' };

register({ method: 'post', path: '/api/services/{serviceId}/tasks', summary: 'Queue a task in a service', tag: 'Tasks', params: { serviceId: 'The service id.' }, body: NewTaskBody, bodyOptional: true, idempotencyKey: 'Optional. A retry with the same key (in the same service) answers 200 with the task the first request created, and queues no second one; a retry that leaves the priority out matches a first request that left it out or named the priority its task was given. A request refused after its task was written (QUEUE.FULL when creates raced for the last places, SERVICE.BEING_DELETED when a delete of the service raced it: the task is cancelled) is refused the same way when sent again with its key; one refused before anything was written is decided afresh.', answer: TaskSchema, creates: true, conflicts: 'QUEUE.FULL, SERVICE.IM_DISABLED, or SERVICE.BEING_DELETED (a delete of the service is under way; a task that raced it is cancelled).', unprocessable: 'IDEMPOTENCY.KEY_REUSED: the Idempotency-Key was used for a request with another priority, parameters or channel; nothing was created.' });
register({ method: 'get', path: '/api/tasks/{taskId}', summary: 'Read a task', tag: 'Tasks', params: taskId, answer: TaskSchema });
register({ method: 'get', path: '/api/tasks/{taskId}/position', summary: 'Queue position and estimated wait', tag: 'Tasks', params: taskId, answer: QueuePositionBody });
register({ method: 'get', path: '/api/tasks/{taskId}/routing', summary: 'The routing log: every offer and why its agent was chosen', tag: 'Tasks', params: taskId, answer: RoutingLog });
register({ method: 'patch', path: '/api/tasks/{taskId}', summary: "Change a waiting task's priority", tag: 'Tasks', params: taskId, body: PriorityBody, answer: TaskSchema, conflicts: 'The task is no longer waiting.' });
register({ method: 'post', path: '/api/tasks/{taskId}/cancel', summary: 'Cancel a waiting task', tag: 'Tasks', params: taskId, body: CancelBody, bodyOptional: true, answer: TaskSchema, conflicts: 'The task reached an agent or ended otherwise (cancelling a cancelled task again answers 200 and changes nothing).' });

register({ method: 'get', path: '/api/agents/{agentId}/state', summary: "The agent's live state", tag: 'Agent desk', params: agentId, answer: AgentStateSchema });
register({
  method: 'put',
  path: '/api/agents/{agentId}/presence',
  summary: "Set presence; going busy, away or offline recalls the offers ringing for the agent and opens a not-available request (filled with `reason`, one of the agent's not-available reasons, when given; 400 AGENT.UNKNOWN_REASON for another)",
  tag: 'Agent desk',
  params: agentId,
  body: PresenceBody,
  answer: AgentStateSchema,
});
register({ method: 'get', path: '/api/agents/{agentId}/not-available-requests', summary: "The agent's open not-available requests, most recent first (each closes a week after it opened)", tag: 'Agent desk', params: agentId, answer: z.array(NotAvailableRequestSchema) });
register({
  method: 'put',
  path: '/api/agents/{agentId}/not-available-requests/{requestId}',
  summary: "Fill a not-available request with one of the agent's not-available reasons (again, to correct it, while it is open); 400 AGENT.UNKNOWN_REASON for another reason, 404 NOT_AVAILABLE.REQUEST_NOT_FOUND",
  tag: 'Agent desk',
  params: { ...agentId, requestId: 'The request id.' },
  body: NotAvailableReasonBody,
  answer: NotAvailableRequestSchema,
  conflicts: 'NOT_AVAILABLE.REQUEST_CLOSED: the request closed (a week after it opened, or at the time the agent gave).',
});
register({ method: 'put', path: '/api/agents/{agentId}/services/{serviceId}/profile', summary: 'Set the duty profile for a service', tag: 'Agent desk', params: { ...agentId, serviceId: 'The service id.' }, body: ProfileBody, answer: AgentStateSchema, conflicts: 'AGENT.NOT_MEMBER.' });
register({ method: 'get', path: '/api/agents/{agentId}/offers', summary: "The agent's open offers", tag: 'Agent desk', params: agentId, answer: z.array(AgentOfferSchema) });
register({ method: 'get', path: '/api/agents/{agentId}/tasks', summary: "The agent's connected and wrap-up tasks", tag: 'Agent desk', params: agentId, answer: z.array(AgentTaskSchema) });
for (const verb of ['accept', 'decline'] as const) {
  register({ method: 'post', path: `/api/agents/{agentId}/offers/{offerId}/${verb}`, summary: `${verb === 'accept' ? 'Accept' : 'Decline'} an offer`, tag: 'Agent desk', params: { ...agentId, offerId: 'The offer id.' }, body: NoFieldsBody, bodyOptional: true, answer: TaskSchema, conflicts: `OFFER.NOT_OPEN: the offer rang out, was ${verb === 'accept' ? 'declined, ' : 'accepted, '}withdrawn, cancelled or recalled (the agent went busy, away or offline, off duty, or lost the membership, licence or capacity)${verb === 'accept' ? ", or is not yet open to the agent (the agent's slot for it is still being claimed: try again); accepting it again while the chat goes on answers 200" : '; declining it again answers 200 and changes nothing'}.` });
}
register({ method: 'post', path: '/api/agents/{agentId}/tasks/{taskId}/finish', summary: 'Finish the chat: into After Call Work, under the ACW rules the service had when it offered the chat', tag: 'Agent desk', params: { ...agentId, ...taskId }, body: NoFieldsBody, bodyOptional: true, answer: TaskSchema, notTheirs: true, conflicts: 'The task is not connected (finishing it again while in After Call Work, or once closed, answers 200 and changes nothing: a retry is safe).' });
register({ method: 'post', path: '/api/agents/{agentId}/tasks/{taskId}/acw/extend', summary: 'Extend After Call Work', tag: 'Agent desk', params: { ...agentId, ...taskId }, body: ExtendAcwBody, idempotencyKey: 'Optional. A retry of an extension with the same key returns the task as it is and does not extend again (the last 20 keys of the chat are kept: an older one extends again).', answer: TaskSchema, notTheirs: true, conflicts: 'ACW.NOT_ALLOWED or not in After Call Work.', unprocessable: 'IDEMPOTENCY.KEY_REUSED: the key was used for an extension of another length; nothing was extended.' });
register({ method: 'post', path: '/api/agents/{agentId}/tasks/{taskId}/acw/end', summary: 'End After Call Work early', tag: 'Agent desk', params: { ...agentId, ...taskId }, body: NoFieldsBody, bodyOptional: true, answer: TaskSchema, notTheirs: true, conflicts: 'ACW.NOT_ALLOWED, or not in After Call Work (ending it again once closed answers 200 and changes nothing).' });
register({ method: 'put', path: '/api/agents/{agentId}/tasks/{taskId}/coding', summary: 'Set codes and tags', tag: 'Agent desk', params: { ...agentId, ...taskId }, body: CodingBody, answer: TaskSchema, notTheirs: true, conflicts: 'The task is not connected or in After Call Work.' });
