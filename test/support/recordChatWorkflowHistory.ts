// Records a real chat workflow run (through devhost, with the emulators) as a history fixture for
// the replay test: `npm run build && node dist/test/support/recordChatWorkflowHistory.js`.
// Re-record only when the orchestrator changes on purpose; the replay test then pins the new shape.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstanceStore } from '../../devhost/durable/store';
import { ApiClient, eventually } from './apiClient';
import { repoRoot } from './devhost';
import { startSwitchboard } from './switchboard';

export const recordedWorkflow = {
  name: 'Recorded',
  modality: 'IM',
  start: 'hello',
  nodes: [
    { id: 'hello', settings: { type: 'Message', text: 'Hello {{customerName}}!', visibility: 'ALL', messageType: 'text' }, exits: { next: 'ask' } },
    { id: 'ask', settings: { type: 'CollectInformation', prompt: 'Your order number?', parameter: 'orderId', timeoutSeconds: 60 }, exits: { next: 'check', timeout: 'bye' } },
    { id: 'check', settings: { type: 'CheckParameter', conditions: [{ parameter: 'orderId', operator: 'exists', exit: 'known' }] }, exits: { known: 'mark', else: 'bye' } },
    { id: 'mark', settings: { type: 'SaveToParameter', parameter: 'route', value: 'order {{orderId}}' }, exits: { next: 'queue' } },
    { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 1 }, exits: { timeout: 'position', queueFull: 'bye' } },
    { id: 'position', settings: { type: 'GetQueuePosition', postToChat: true }, exits: { next: 'wait' } },
    { id: 'wait', settings: { type: 'Delay', seconds: 1 }, exits: { next: 'queue' } },
    { id: 'bye', settings: { type: 'Disconnect', closingMessage: 'Goodbye' }, exits: {} },
  ],
} as const;

export const historyFixture = join(repoRoot, 'test', 'fixtures', 'histories', 'chatWorkflow-queue-loop.json');

async function record(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'record-'));
  const devhost = await startSwitchboard({ dataDir });
  let instanceId = '';
  try {
    const api = new ApiClient(devhost.baseUrl);
    const workflow = await api.post('/workflows', { id: 'recorded', ...recordedWorkflow });
    if (workflow.status !== 201) throw new Error(`workflow: ${workflow.status} ${JSON.stringify(workflow.body)}`);
    await api.post('/services', { id: 'recorded', name: 'Recorded', address: 'r@contoso.example', distribution: { policy: 'longest-idle' }, workflowId: 'recorded', allowedOrigins: ['https://shop.contoso.example'] });
    const chat = await api.call<{ chatId: string; customerToken: string }>('POST', '/chats', { serviceId: 'recorded', displayName: 'Ann', email: 'ann@contoso.example', consent: true }, { origin: 'https://shop.contoso.example' });
    instanceId = chat.body.chatId;
    const auth = { authorization: `Bearer ${chat.body.customerToken}` };
    const messages = async (): Promise<{ text: string }[]> => (await api.call<{ messages: { text: string }[] }>('GET', `/chats/${instanceId}/messages`, undefined, auth)).body.messages;
    await eventually(messages, (ms) => ms.some((m) => m.text === 'Your order number?'), 10_000, 'the prompt');
    await api.call('POST', `/chats/${instanceId}/messages`, { text: 'A-7' }, auth);
    await eventually(messages, (ms) => ms.filter((m) => m.text.startsWith('You are number')).length >= 2, 15_000, 'two position updates');
    await api.call('POST', `/chats/${instanceId}/leave`, {}, auth);
    await eventually(async () => (await api.get<{ state: string }>(`/tasks/${instanceId}`)).body.state, (s) => s === 'abandoned', 10_000, 'abandoned');
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    await devhost.stop();
  }
  const store = new InstanceStore(join(dataDir, 'durable'), 'switchboard');
  await store.load();
  const instance = store.get(instanceId);
  if (!instance) throw new Error(`instance ${instanceId} not in the store`);
  mkdirSync(join(historyFixture, '..'), { recursive: true });
  writeFileSync(historyFixture, `${JSON.stringify({ instanceId, input: instance.input, runtimeStatus: instance.runtimeStatus, history: instance.history }, null, 1)}\n`);
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(`recorded ${instance.history.length} history events of ${instanceId} (${instance.runtimeStatus}) to ${historyFixture}\n`);
}

if (require.main === module) {
  record().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
