// Conversations for the contact center: the agent on a task (function key; only that agent) and
// supervisors (admin key), each seeing and writing what their role may.
import { app, type HttpRequest } from '@azure/functions';
import { AgentMessageBody, SupervisorMessageBody } from '../src/api/chatSchemas';
import { parseJsonBody } from '../src/api/parseRequest';
import { switchboard } from '../src/app/switchboard';
import { postAgentMessage } from '../src/chat/postAgentMessage';
import { postSupervisorMessage } from '../src/chat/postSupervisorMessage';
import { readConversation } from '../src/chat/readConversation';
import { bodyText, handle, param } from './http/handle';

const deps = switchboard().chat;
const taskId = (request: HttpRequest): string => param(request, 'taskId');

app.http('agentTaskMessages', {
  methods: ['GET', 'POST'],
  route: 'agents/{agentId}/tasks/{taskId}/messages',
  authLevel: 'function',
  handler: handle(async (request) => {
    const agentId = param(request, 'agentId');
    if (request.method === 'GET') return { jsonBody: await readConversation(taskId(request), { role: 'agent', agentId }, deps) };
    const body = parseJsonBody(AgentMessageBody, await bodyText(request));
    return { status: 201, jsonBody: await postAgentMessage(agentId, taskId(request), body, deps) };
  }),
});

app.http('supervisorTaskMessages', {
  methods: ['GET', 'POST'],
  route: 'supervisor/tasks/{taskId}/messages',
  authLevel: 'admin',
  handler: handle(async (request) => {
    if (request.method === 'GET') return { jsonBody: await readConversation(taskId(request), { role: 'supervisor' }, deps) };
    const body = parseJsonBody(SupervisorMessageBody, await bodyText(request));
    return { status: 201, jsonBody: await postSupervisorMessage(taskId(request), body, deps) };
  }),
});
