// The chat API's paths in the OpenAPI document: the web widget's (anonymous start, then the
// customer token), the agent's and the supervisor's conversation endpoints.
import { AgentMessageBody, ChatMessageAnswer, ConversationAnswer, CustomerMessageBody, LeftChatAnswer, StartChatBody, StartedChatAnswer, SupervisorMessageBody } from './chatSchemas';
import { ErrorBody, functionKeyAuth, openApiRegistry } from './openApiRegistry';
import { z } from './zod';

const customerToken = openApiRegistry.registerComponent('securitySchemes', 'customerToken', {
  type: 'http',
  scheme: 'bearer',
  description: 'The customerToken POST /api/chats returned: opens that one chat until it expires or the customer leaves.',
});

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, ...json(ErrorBody) });
const params = (names: Record<string, string>) => z.object(Object.fromEntries(Object.entries(names).map(([name, description]) => [name, z.string().openapi({ description })])));

const chatParams = params({ chatId: 'The chat id (= task id) POST /api/chats returned.' });
const agentParams = params({ agentId: 'The agent id.', taskId: 'The task (chat) id.' });
const supervisorParams = params({ taskId: 'The task (chat) id.' });
const asCustomer = [{ [customerToken.name]: [] }];
const withFunctionKey = [{ [functionKeyAuth.name]: [] }];
const unauthorized = problem('No customer token, or an expired, closed or other chat\'s token.');

openApiRegistry.registerPath({
  method: 'post',
  path: '/api/chats',
  tags: ['Chats'],
  summary: 'Start a chat from the web widget (anonymous; the Origin header must be on the service\'s allowed origins)',
  request: { headers: z.object({ origin: z.string().openapi({ example: 'https://www.contoso.example' }) }), body: { required: true, ...json(StartChatBody) } },
  responses: {
    201: { description: 'Started: the chat id and the customer token.', ...json(StartedChatAnswer) },
    400: problem('Malformed body, consent not given (/consent) or malformed email (/email).'),
    403: problem('CHAT.ORIGIN_NOT_ALLOWED: the Origin is not on the service\'s allowed origins.'),
    404: problem('SERVICE.NOT_FOUND or AGENT.NOT_FOUND.'),
    409: problem('SERVICE.IM_DISABLED, SERVICE.BEING_DELETED, QUEUE.FULL, AGENT.NOT_MEMBER, or AGENT.NOT_AVAILABLE (direct chat).'),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/api/chats/{chatId}/messages',
  tags: ['Chats'],
  summary: 'The conversation as the customer sees it (ALL messages only)',
  security: asCustomer,
  request: { params: chatParams },
  responses: { 200: { description: 'The conversation.', ...json(ConversationAnswer) }, 401: unauthorized },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/api/chats/{chatId}/messages',
  tags: ['Chats'],
  summary: "Post the customer's message",
  security: asCustomer,
  request: { params: chatParams, body: { required: true, ...json(CustomerMessageBody) } },
  responses: { 201: { description: 'Posted.', ...json(ChatMessageAnswer) }, 400: problem('No text, or too long.'), 401: unauthorized, 409: problem('CHAT.ENDED: the chat has ended.') },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/api/chats/{chatId}/leave',
  tags: ['Chats'],
  summary: 'The customer leaves: a waiting chat ends as abandoned; the token closes',
  security: asCustomer,
  request: { params: chatParams },
  responses: { 200: { description: 'Left.', ...json(LeftChatAnswer) }, 401: unauthorized },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/api/agents/{agentId}/tasks/{taskId}/messages',
  tags: ['Agent desk'],
  summary: 'The conversation as the agent sees it (ALL and INT); for the assigned agent or the one it is offered to',
  security: withFunctionKey,
  request: { params: agentParams },
  responses: { 200: { description: 'The conversation.', ...json(ConversationAnswer) }, 401: { description: 'No valid function key (answered by the Functions host, with no JSON body).' }, 403: problem('TASK.NOT_ASSIGNED_TO_AGENT.'), 404: problem('CHAT.NOT_FOUND.') },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/api/agents/{agentId}/tasks/{taskId}/messages',
  tags: ['Agent desk'],
  summary: "Post the assigned agent's message (ALL or INT) while the chat is connected or in After Call Work",
  security: withFunctionKey,
  request: { params: agentParams, body: { required: true, ...json(AgentMessageBody) } },
  responses: {
    201: { description: 'Posted.', ...json(ChatMessageAnswer) },
    400: problem('No text, too long, or a visibility other than ALL or INT.'),
    401: { description: 'No valid function key (answered by the Functions host, with no JSON body).' },
    403: problem('TASK.NOT_ASSIGNED_TO_AGENT.'),
    404: problem('CHAT.NOT_FOUND.'),
    409: problem('The task is not connected or in After Call Work.'),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/api/supervisor/tasks/{taskId}/messages',
  tags: ['Supervision'],
  summary: 'The whole conversation (ALL, INT and VIP); admin key',
  security: withFunctionKey,
  request: { params: supervisorParams },
  responses: { 200: { description: 'The conversation.', ...json(ConversationAnswer) }, 401: problem('No valid admin key.'), 404: problem('CHAT.NOT_FOUND.') },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/api/supervisor/tasks/{taskId}/messages',
  tags: ['Supervision'],
  summary: "Post a supervisor's message: VIP (default), INT or ALL; admin key",
  security: withFunctionKey,
  request: { params: supervisorParams, body: { required: true, ...json(SupervisorMessageBody) } },
  responses: { 201: { description: 'Posted.', ...json(ChatMessageAnswer) }, 400: problem('No text, or too long.'), 401: problem('No valid admin key.'), 404: problem('CHAT.NOT_FOUND.') },
});
