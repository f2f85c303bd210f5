// The contact center ends the conversation (a workflow's Disconnect, or the agent done with it): the
// customer can no longer write, but can still read the closing messages until their token expires.
import type { ChatDeps } from './ports';

export async function endChat(chatId: string, deps: ChatDeps): Promise<void> {
  const header = await deps.conversations.readHeader(chatId);
  if (!header || header.status === 'ended') return;
  await deps.conversations.updateHeader(chatId, { status: 'ended', endedAt: deps.distribution.clock.now().toISOString() });
}
