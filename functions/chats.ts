// The web widget's chat API: anonymous start (checked against the service's allowed origins), then
// the customer's own chat with the token the start returned.
import { app, type HttpRequest } from '@azure/functions';
import { CustomerMessageBody, StartChatBody } from '../src/api/chatSchemas';
import { parseJsonBody } from '../src/api/parseRequest';
import { switchboard } from '../src/app/switchboard';
import { bearerToken } from '../src/chat/customerToken';
import { leaveChat } from '../src/chat/leaveChat';
import { postCustomerMessage } from '../src/chat/postCustomerMessage';
import { readConversation } from '../src/chat/readConversation';
import { startChat } from '../src/chat/startChat';
import { chatWorkflowClient, durableClientInput } from './durable/chatWorkflowClient';
import { bodyText, handle, param } from './http/handle';

const deps = switchboard().chat;
const chatId = (request: HttpRequest): string => param(request, 'chatId');
const token = (request: HttpRequest): string | undefined => bearerToken(request.headers.get('authorization'));

app.http('startChat', {
  methods: ['POST'],
  route: 'chats',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: handle(async (request, context) => {
    const body = parseJsonBody(StartChatBody, await bodyText(request));
    const started = await startChat({ ...body, origin: request.headers.get('origin') ?? undefined }, chatWorkflowClient(context), deps);
    return { status: 201, headers: { location: `/api/chats/${started.chatId}/messages`, 'cache-control': 'no-store' }, jsonBody: started };
  }),
});

app.http('customerMessages', {
  methods: ['GET', 'POST'],
  route: 'chats/{chatId}/messages',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: handle(async (request, context) => {
    if (request.method === 'GET') return { jsonBody: await readConversation(chatId(request), { role: 'customer', token: token(request) }, deps), headers: { 'cache-control': 'no-store' } };
    const { text } = parseJsonBody(CustomerMessageBody, await bodyText(request));
    return { status: 201, jsonBody: await postCustomerMessage(chatId(request), token(request), text, chatWorkflowClient(context), deps) };
  }),
});

app.http('leaveChat', {
  methods: ['POST'],
  route: 'chats/{chatId}/leave',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: handle(async (request, context) => ({ jsonBody: await leaveChat(chatId(request), token(request), chatWorkflowClient(context), deps) })),
});
