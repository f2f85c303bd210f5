// `npm run bench -- workflows [--quick]`
//  1. Chats started per second end to end until queued: devhost with every emulator, a service whose
//     workflow greets and queues, N chats started over HTTP (20 at a time), each polled until queued.
//  2. The cost of one iteration of a Delay + Get Queue Position loop after 10 and after 1,000
//     iterations (history events replayed, Cosmos requests, CPU time), printed as a ratio (target
//     <= 1.2). It runs the real orchestrator and activities in process, through devhost's Durable
//     engine with a manual clock (1,000 one-second delays without waiting 17 minutes), against the
//     Cosmos emulator behind a counting proxy and the Service Bus emulator.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableEngine } from '../devhost/durable/engine';
import { InstanceStore } from '../devhost/durable/store';
import { cosmosEmulatorKey, startCosmos } from '../devhost/emulators/cosmos';
import { provisionCosmos, toEmulatorProperties } from '../devhost/emulators/resources';
import type { HostExtension } from '../devhost/host/extension';
import { FunctionHost } from '../devhost/host/functionHost';
import { ConsoleLogger } from '../devhost/host/logger';
import { applyToEnvironment, loadHostSettings } from '../devhost/host/settings';
import { parseEmulatorConfig, startServiceBusEmulator, type EmulatorConfig } from '../devhost/servicebus';
import { resourceManifest } from '../src/config/resourceManifest';
import { ApiClient, eventually } from '../test/support/apiClient';
import { ManualClock } from '../test/devhost/durable/support';
import { repoRoot } from '../test/support/devhost';
import { freePort } from '../test/support/ports';
import { startSwitchboard } from '../test/support/switchboard';
import { percentile } from './support';

const origin = 'https://shop.contoso.example';

async function chatsUntilQueued(chats: number): Promise<void> {
  const devhost = await startSwitchboard();
  try {
    const api = new ApiClient(devhost.baseUrl);
    await api.post('/workflows', {
      id: 'bench-greet',
      name: 'Greet and queue',
      modality: 'IM',
      start: 'hello',
      nodes: [
        { id: 'hello', settings: { type: 'Message', text: 'Hello {{customerName}}, one moment please.', visibility: 'ALL', messageType: 'text' }, exits: { next: 'queue' } },
        { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 3600 }, exits: { timeout: 'bye', queueFull: 'bye' } },
        { id: 'bye', settings: { type: 'Disconnect' }, exits: {} },
      ],
    });
    await api.post('/services', { id: 'bench', name: 'Bench', address: 'bench@contoso.example', distribution: { policy: 'longest-idle' }, workflowId: 'bench-greet', allowedOrigins: [origin], maxQueueSize: 100_000 });
    const started = performance.now();
    const latencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < chats) {
          const n = next++;
          const begun = performance.now();
          const res = await api.call<{ chatId: string }>('POST', '/chats', { serviceId: 'bench', displayName: `Customer ${n}`, email: `c${n}@contoso.example`, consent: true }, { origin });
          if (res.status !== 201) throw new Error(`chat ${n}: ${res.status} ${JSON.stringify(res.body)}`);
          await eventually(() => api.get<{ state: string }>(`/tasks/${res.body.chatId}`), (r) => r.body.state === 'queued', 60_000, `chat ${n} queued`);
          latencies.push(performance.now() - begun);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(`\n1. ${chats} chats started over HTTP (20 at a time), each until its workflow queued it:`);
    console.table({ 'chats/s': Math.round((chats / seconds) * 10) / 10, 'start-to-queued p50 ms': Math.round(percentile(latencies, 50)), 'p99 ms': Math.round(percentile(latencies, 99)) });
  } finally {
    await devhost.stop();
  }
}

/** An HTTP proxy in front of the Cosmos emulator that counts requests. */
function countingProxy(target: number): Promise<{ port: number; count: () => number; close: () => void }> {
  let requests = 0;
  let ownPort = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    const upstream = httpRequest({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      if (req.method === 'GET' && req.url === '/') {
        // The account document names the endpoints the SDK then talks to: keep it talking to the proxy.
        let body = '';
        answer.on('data', (c: Buffer) => (body += c.toString('utf8')));
        answer.on('end', () => {
          const rewritten = body.replaceAll(`:${target}/`, `:${ownPort}/`);
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(rewritten)) };
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(rewritten);
        });
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      ownPort = (server.address() as AddressInfo).port;
      resolve({ port: ownPort, count: () => requests, close: () => server.close() });
    }),
  );
}

const claimOthers: HostExtension = {
  name: 'bench-other-bindings',
  triggerTypes: ['serviceBusTrigger', 'eventGridTrigger', 'timerTrigger', 'orchestrationTrigger', 'activityTrigger', 'entityTrigger'],
  inputBindings: { durableClient: () => ({ string: '{}' }) },
  outputBindings: { serviceBus: async () => undefined },
  start: async () => undefined,
  stop: async () => undefined,
};

async function loopCost(iterations: number): Promise<void> {
  const cosmosPort = await freePort();
  const cosmos = await startCosmos({ port: cosmosPort, cwd: mkdtempSync(join(tmpdir(), 'bench-wf-')) });
  const proxy = await countingProxy(cosmosPort);
  const serviceBus = await startServiceBusEmulator({ port: 0 });
  serviceBus.declare(
    parseEmulatorConfig({
      UserConfig: { Namespaces: [{ Name: 'sbemulatorns', Queues: resourceManifest.serviceBus.queues.map((q) => ({ Name: q.name, Properties: toEmulatorProperties({ ...q.properties }) })), Topics: [] }] },
    } as EmulatorConfig),
  );
  try {
    await provisionCosmos(resourceManifest.cosmos as unknown as Parameters<typeof provisionCosmos>[0], `http://127.0.0.1:${cosmosPort}`, cosmosEmulatorKey);
    process.env['CosmosDb'] = `AccountEndpoint=http://127.0.0.1:${proxy.port}/;AccountKey=${cosmosEmulatorKey}`;
    process.env['ServiceBusConnection'] = serviceBus.connectionString;
    const settings = loadHostSettings(repoRoot, { settingsFile: join(repoRoot, 'local.settings.sample.json'), port: 0 });
    applyToEnvironment(settings);
    const host = new FunctionHost(settings, [claimOthers], new ConsoleLogger('Error'));
    await host.load();
    const clock = new ManualClock(Date.now());
    const store = new InstanceStore(undefined, 'bench');
    const engine = new DurableEngine({ hubName: 'bench', store, clock });
    engine.start(host);

    // The app's own use cases create the service, the workflow version and the chat's task.
    const { switchboard } = await import('../src/app/switchboard');
    const { createTask } = await import('../src/distribution/createTask');
    const app = switchboard();
    const now = new Date().toISOString();
    await app.distribution.services.create({
      id: 'loop', name: 'Loop', address: 'loop@contoso.example', imEnabled: true, workflowId: 'loop', allowedOrigins: [],
      distribution: { policy: 'longest-idle', requiredSkills: [], ronaTimeoutSeconds: 30 },
      afterCallWork: { durationSeconds: 0, extendable: false, maxExtensionSeconds: 0, canEndEarly: true },
      maxQueueSize: 1000, defaultPriority: 1, createdAt: now, updatedAt: now,
    });
    await app.workflows.store.publish(
      {
        id: 'loop@1', workflowId: 'loop', version: 1, name: 'Delay + position loop', modality: 'IM', start: 'queue', createdAt: now,
        nodes: [
          { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 1 }, exits: { timeout: 'position', queueFull: 'bye' } },
          { id: 'position', settings: { type: 'GetQueuePosition', postToChat: false }, exits: { next: 'wait' } },
          { id: 'wait', settings: { type: 'Delay', seconds: 1 }, exits: { next: 'queue' } },
          { id: 'bye', settings: { type: 'Disconnect' }, exits: {} },
        ],
      },
      null,
    );
    const { task } = await createTask({ serviceId: 'loop', channel: 'web', initialState: 'in-workflow', idempotencyKey: 'loop-chat' }, app.distribution);
    const started = engine.startNew('chatWorkflow', { instanceId: task.id, input: JSON.stringify({ taskId: task.id, serviceId: 'loop', workflowVersionId: 'loop@1' }) });
    if (!started.ok) throw new Error(started.message);
    await engine.idle();

    const samples: { iteration: number; historyEvents: number; cosmos: number; cpuMs: number }[] = [];
    for (let i = 1; i <= iterations; i++) {
      const before = { events: engine.stats.historyEvents, cosmos: proxy.count(), cpu: process.cpuUsage() };
      // One iteration: the Queue Task wait times out, Get Queue Position runs, the Delay fires.
      await clock.advance(1000, engine);
      await clock.advance(1000, engine);
      const cpu = process.cpuUsage(before.cpu);
      samples.push({ iteration: i, historyEvents: engine.stats.historyEvents - before.events, cosmos: proxy.count() - before.cosmos, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
    const instance = store.get(task.id);
    if (instance?.runtimeStatus !== 'Running') throw new Error(`the loop stopped: ${instance?.runtimeStatus ?? 'missing'}`);
    const average = (from: number, to: number) => {
      const window = samples.filter((s) => s.iteration > from && s.iteration <= to);
      const mean = (f: (s: (typeof samples)[number]) => number) => window.reduce((sum, s) => sum + f(s), 0) / window.length;
      return { historyEvents: mean((s) => s.historyEvents), cosmos: mean((s) => s.cosmos), cpuMs: mean((s) => s.cpuMs) };
    };
    const early = average(0, 10);
    const late = average(iterations - 10, iterations);
    const round = (n: number) => Math.round(n * 100) / 100;
    console.log(`\n2. One Delay + Get Queue Position iteration (Queue Task timeout, position, delay), mean of 10 iterations:`);
    console.table({
      'iterations 1-10': { 'history events written': round(early.historyEvents), 'Cosmos requests': round(early.cosmos), 'CPU ms': round(early.cpuMs) },
      [`iterations ${iterations - 9}-${iterations}`]: { 'history events written': round(late.historyEvents), 'Cosmos requests': round(late.cosmos), 'CPU ms': round(late.cpuMs) },
    });
    console.log(
      `ratio late/early: history events x${(late.historyEvents / early.historyEvents).toFixed(2)}, Cosmos requests x${(late.cosmos / early.cosmos).toFixed(2)}, CPU x${(late.cpuMs / early.cpuMs).toFixed(2)} (target <= 1.2); current execution's history: ${instance.history.length} events after ${iterations} iterations`,
    );
    await engine.stop();
    await host.stop();
  } finally {
    proxy.close();
    await serviceBus.close();
    await cosmos.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  console.log('workflows: chat workflows end to end, and the cost of long waits.');
  await chatsUntilQueued(quick ? 40 : 200);
  await loopCost(quick ? 100 : 1000);
}
