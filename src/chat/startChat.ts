// A customer starts a chat from the web widget: with a service (its workflow runs, or without one
// the chat is queued at once), or directly with one agent (offered to them, no queue, no workflow).
import { isOriginAllowed } from '../domain/allowedOrigins';
import { membershipOf, type Agent } from '../domain/agent';
import type { ChatMessage, ConversationHeader } from '../domain/conversation';
import { DomainError } from '../domain/errors';
import type { Service } from '../domain/service';
import { endWaitingTask } from '../distribution/cancelTask';
import { createTask } from '../distribution/createTask';
import { assertCanTakeDirect, offerToAgent } from '../distribution/offerToAgent';
import { queueTask } from '../distribution/queueTask';
import { closeCustomerToken, issueCustomerToken } from './customerToken';
import { messageText } from './messageText';
import type { ChatDeps, WorkflowStarter } from './ports';

export interface StartChatRequest {
  /** The service to chat with; for a direct chat, the service whose settings apply (default: the agent's first). */
  readonly serviceId?: string;
  /** Set for a chat directly with this agent. */
  readonly agentId?: string;
  readonly displayName: string;
  readonly email: string;
  /** The customer accepted the privacy policy; anything but `true` is refused. */
  readonly consent?: boolean;
  readonly firstMessage?: string;
  /** The request's Origin header: the website the widget runs on. */
  readonly origin: string | undefined;
}

export interface StartedChat {
  readonly chatId: string;
  readonly customerToken: string;
  readonly expiresAt: string;
  readonly serviceId: string;
  readonly directAgentId: string | null;
  /** The task's state once started: in-workflow, queued, or offered (direct). */
  readonly state: string;
}

/** The id of the first message, when the start carries one: the workflow can read it by this id. */
export const firstMessageId = 'first';

// Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is the mail server's call.
const emailPattern = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

function assertRequest(request: StartChatRequest): void {
  if (request.consent !== true) throw new DomainError('CHAT.CONSENT_REQUIRED', 'the customer must accept the privacy policy to chat', { pointer: '/consent' });
  // The address itself stays out of the message and details: it is personal data.
  if (request.email.length > 254 || !emailPattern.test(request.email)) throw new DomainError('CHAT.INVALID_EMAIL', 'the email address is malformed', { pointer: '/email' });
}

/** The service whose settings (allowed origins, RONA, ACW) apply, and for a direct chat its agent. */
async function resolveTarget(request: StartChatRequest, deps: ChatDeps): Promise<{ service: Service; agent: Agent | undefined }> {
  let serviceId = request.serviceId;
  let agent: Agent | undefined;
  if (request.agentId !== undefined) {
    agent = (await deps.distribution.agents.read(request.agentId))?.value;
    if (!agent) throw new DomainError('AGENT.NOT_FOUND', `agent ${request.agentId} not found`, { agentId: request.agentId, pointer: '/agentId' });
    // A direct chat comes through one of the agent's services: the one named, or their first.
    serviceId ??= agent.memberships[0]?.serviceId;
    if (serviceId === undefined || !membershipOf(agent, serviceId)) {
      throw new DomainError('AGENT.NOT_MEMBER', `agent ${agent.id} is not a member of ${serviceId === undefined ? 'any service' : `service ${serviceId}`}`, { agentId: agent.id, serviceId, pointer: '/serviceId' });
    }
  }
  if (serviceId === undefined) throw new DomainError('SERVICE.NOT_FOUND', 'a chat needs a serviceId or an agentId', { pointer: '/serviceId' });
  const service = (await deps.distribution.services.read(serviceId))?.value;
  if (!service) throw new DomainError('SERVICE.NOT_FOUND', `service ${serviceId} not found`, { serviceId, pointer: '/serviceId' });
  if (!service.imEnabled) throw new DomainError('SERVICE.IM_DISABLED', `service ${service.id} does not take chats`, { serviceId: service.id });
  if (request.origin === undefined || !isOriginAllowed(service.allowedOrigins, request.origin)) {
    const shown = request.origin === undefined ? 'a request without an Origin header' : `origin ${request.origin}`;
    throw new DomainError('CHAT.ORIGIN_NOT_ALLOWED', `${shown} may not start chats with service ${service.id}`, { origin: request.origin ?? null, serviceId: service.id });
  }
  return { service, agent };
}

export async function startChat(request: StartChatRequest, workflow: WorkflowStarter, deps: ChatDeps): Promise<StartedChat> {
  assertRequest(request);
  const firstText = request.firstMessage === undefined || request.firstMessage.trim() === '' ? undefined : messageText(request.firstMessage, '/firstMessage');
  const { service, agent } = await resolveTarget(request, deps);
  if (agent) assertCanTakeDirect(agent, service.id);
  const customerName = request.displayName.trim();

  const { task } = await createTask(
    {
      serviceId: service.id,
      channel: 'web',
      parameters: { customerName, customerEmail: request.email, ...(agent ? { directAgentId: agent.id } : {}) },
      initialState: 'in-workflow',
    },
    deps.distribution,
  );
  const chatId = task.id;
  const now = deps.distribution.clock.now();
  const at = now.toISOString();
  const header: ConversationHeader = {
    conversationId: chatId,
    channel: 'web',
    serviceId: service.id,
    directAgentId: agent?.id ?? null,
    customerName,
    status: 'open',
    customerOnline: true,
    lastCustomerMessageAt: firstText === undefined ? null : at,
    startedAt: at,
    endedAt: null,
  };
  await deps.conversations.createHeader(header);
  if (firstText !== undefined) {
    const first: ChatMessage = { id: firstMessageId, conversationId: chatId, authorRole: 'customer', nickname: customerName, text: firstText, visibility: 'ALL', kind: 'text', postedAt: at };
    await deps.conversations.append(first);
  }
  const { token, expiresAt } = await issueCustomerToken(chatId, now, deps.tokens);

  let state: string;
  try {
    if (agent) {
      state = (await offerToAgent(chatId, agent.id, deps.distribution)).state;
    } else {
      const workflowVersionId = await deps.resolveWorkflowVersion(service.id);
      if (workflowVersionId !== undefined) {
        await workflow.start({ taskId: chatId, serviceId: service.id, workflowVersionId });
        state = task.state;
      } else {
        // No workflow: the chat goes straight to the queue, as a workflow of one Queue Task would.
        state = (await queueTask(chatId, deps.distribution)).state;
      }
    }
  } catch (err) {
    // Refused after the task was made (queue full, the agent became unavailable): end it, so no
    // half-started chat waits for nobody, and answer with the refusal.
    if (err instanceof DomainError && (err.code === 'QUEUE.FULL' || err.code === 'AGENT.NOT_AVAILABLE')) {
      await endWaitingTask(chatId, 'cancelled', err.code === 'QUEUE.FULL' ? 'queue full' : 'agent not available', deps.distribution);
      await deps.conversations.updateHeader(chatId, { status: 'ended', endedAt: deps.distribution.clock.now().toISOString() });
      await closeCustomerToken(chatId, deps.distribution.clock.now(), deps.tokens);
    }
    throw err;
  }
  return { chatId, customerToken: token, expiresAt, serviceId: service.id, directAgentId: agent?.id ?? null, state };
}
