// The agent desk API: presence and not-available requests, duty, offers (accept / decline), finishing
// chats, ACW, codes and tags.
import { app, type HttpRequest } from '@azure/functions';
import { CodingBody, ExtendAcwBody, NoFieldsBody, NotAvailableReasonBody, PresenceBody, ProfileBody } from '../src/api/agentDeskSchemas';
import { agentStateAnswer, type AgentStateAnswer } from '../src/api/agentSchemas';
import { parseIdempotencyKey } from '../src/api/idempotencyKey';
import { parseJsonBody } from '../src/api/parseRequest';
import { taskAnswer } from '../src/api/taskSchemas';
import { switchboard } from '../src/app/switchboard';
import type { Agent } from '../src/domain/agent';
import { openRequests } from '../src/domain/notAvailable';
import { DomainError } from '../src/domain/errors';
import { endAcw, extendAcw, finishTask } from '../src/distribution/afterCallWork';
import { fillNotAvailableRequest, setDutyProfile, setPresence } from '../src/distribution/agentState';
import { asKnownAgent } from '../src/distribution/knownAgent';
import { acceptOffer, declineOffer } from '../src/distribution/offerDecisions';
import { setCodesAndTags } from '../src/distribution/taskCoding';
import { chatEvents } from '../src/workflow/contract';
import { chatWorkflowClient, durableClientInput } from './durable/chatWorkflowClient';
import { bodyText, handle, param } from './http/handle';

const deps = switchboard().distribution;
/** Refuses a body with any field on an action that takes none (an empty body is fine). */
const noFields = async (request: HttpRequest): Promise<void> => void parseJsonBody(NoFieldsBody, await bodyText(request), true);
const agentId = (request: HttpRequest): string => param(request, 'agentId');
const taskId = (request: HttpRequest): string => param(request, 'taskId');
/** The action of the agent named in the path; one refused as not theirs answers 404 when that agent does not exist. */
const asAgent = <T>(request: HttpRequest, action: (id: string) => Promise<T>): Promise<T> => {
  const id = agentId(request);
  return asKnownAgent(id, deps, () => action(id));
};

async function readAgent(id: string) {
  const stored = await deps.agents.read(id);
  if (!stored) throw new DomainError('AGENT.NOT_FOUND', `agent ${id} not found`, { agentId: id });
  return stored.value;
}

/** The agent's live state, as the state route and every change to it answer. */
function liveState(agent: Agent): AgentStateAnswer {
  return agentStateAnswer(agent, deps.clock.now());
}

app.http('agentState', {
  methods: ['GET'],
  route: 'agents/{agentId}/state',
  authLevel: 'function',
  handler: handle(async (request) => {
    return { jsonBody: liveState(await readAgent(agentId(request))) };
  }),
});

app.http('setPresence', {
  methods: ['PUT'],
  route: 'agents/{agentId}/presence',
  authLevel: 'function',
  handler: handle(async (request) => {
    const body = parseJsonBody(PresenceBody, await bodyText(request));
    const agent = await setPresence(agentId(request), { presence: body.presence, ...(body.reason ? { reason: body.reason } : {}), ...(body.until ? { until: new Date(body.until) } : {}) }, deps);
    return { jsonBody: liveState(agent) };
  }),
});

app.http('notAvailableRequests', {
  methods: ['GET'],
  route: 'agents/{agentId}/not-available-requests',
  authLevel: 'function',
  handler: handle(async (request) => ({ jsonBody: openRequests((await readAgent(agentId(request))).notAvailableRequests, deps.clock.now()) })),
});

app.http('fillNotAvailableRequest', {
  methods: ['PUT'],
  route: 'agents/{agentId}/not-available-requests/{requestId}',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { reason } = parseJsonBody(NotAvailableReasonBody, await bodyText(request));
    return { jsonBody: await fillNotAvailableRequest(agentId(request), param(request, 'requestId'), reason, deps) };
  }),
});

app.http('setDutyProfile', {
  methods: ['PUT'],
  route: 'agents/{agentId}/services/{serviceId}/profile',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { profile } = parseJsonBody(ProfileBody, await bodyText(request));
    const agent = await setDutyProfile(agentId(request), param(request, 'serviceId'), profile, deps);
    return { jsonBody: liveState(agent) };
  }),
});

app.http('agentOffers', {
  methods: ['GET'],
  route: 'agents/{agentId}/offers',
  authLevel: 'function',
  handler: handle(async (request) => ({ jsonBody: (await readAgent(agentId(request))).offers })),
});

app.http('agentTasks', {
  methods: ['GET'],
  route: 'agents/{agentId}/tasks',
  authLevel: 'function',
  handler: handle(async (request) => ({ jsonBody: (await readAgent(agentId(request))).tasks })),
});

app.http('acceptOffer', {
  methods: ['POST'],
  route: 'agents/{agentId}/offers/{offerId}/accept',
  authLevel: 'function',
  extraInputs: [durableClientInput],
  handler: handle(async (request, context) => {
    await noFields(request);
    const task = await asAgent(request, (id) => acceptOffer(id, param(request, 'offerId'), deps));
    // A chat's workflow waits in Queue Task: tell it the chat reached an agent (it checks on timeout too).
    if (task.channel === 'web') await chatWorkflowClient(context).raise(task.id, chatEvents.taskConnected, { agentId: task.assignedAgentId });
    return { jsonBody: taskAnswer(task) };
  }),
});

app.http('declineOffer', {
  methods: ['POST'],
  route: 'agents/{agentId}/offers/{offerId}/decline',
  authLevel: 'function',
  handler: handle(async (request) => {
    await noFields(request);
    return { jsonBody: taskAnswer(await asAgent(request, (id) => declineOffer(id, param(request, 'offerId'), deps))) };
  }),
});

app.http('finishTask', {
  methods: ['POST'],
  route: 'agents/{agentId}/tasks/{taskId}/finish',
  authLevel: 'function',
  handler: handle(async (request) => {
    await noFields(request);
    return { jsonBody: taskAnswer(await asAgent(request, (id) => finishTask(id, taskId(request), deps))) };
  }),
});

app.http('extendAcw', {
  methods: ['POST'],
  route: 'agents/{agentId}/tasks/{taskId}/acw/extend',
  authLevel: 'function',
  handler: handle(async (request) => {
    const { seconds } = parseJsonBody(ExtendAcwBody, await bodyText(request));
    const idempotencyKey = parseIdempotencyKey(request.headers.get('idempotency-key'));
    return { jsonBody: taskAnswer(await asAgent(request, (id) => extendAcw(id, taskId(request), seconds, deps, idempotencyKey))) };
  }),
});

app.http('endAcw', {
  methods: ['POST'],
  route: 'agents/{agentId}/tasks/{taskId}/acw/end',
  authLevel: 'function',
  handler: handle(async (request) => {
    await noFields(request);
    return { jsonBody: taskAnswer(await asAgent(request, (id) => endAcw(id, taskId(request), deps))) };
  }),
});

app.http('setTaskCoding', {
  methods: ['PUT'],
  route: 'agents/{agentId}/tasks/{taskId}/coding',
  authLevel: 'function',
  handler: handle(async (request) => {
    const coding = parseJsonBody(CodingBody, await bodyText(request));
    return { jsonBody: taskAnswer(await asAgent(request, (id) => setCodesAndTags(id, taskId(request), coding, deps))) };
  }),
});
