// `npm run bench -- servicebus [--messages N]`: send + receive + complete through the real
// @azure/service-bus SDK against devhost's broker (single sends and batches of 100), with p99
// send-to-receive latency, beside the same message flow through an in-process queue.
import { performance } from 'node:perf_hooks';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startServiceBusEmulator } from '../devhost/servicebus';

interface Figures {
  label: string;
  messages: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function figures(label: string, messages: number, elapsedMs: number, latencies: number[]): Figures {
  latencies.sort((a, b) => a - b);
  return {
    label,
    messages,
    seconds: elapsedMs / 1000,
    perSecond: messages / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** Producer sends `total` messages in chunks of `batchSize` (up to `inFlight` sends at once); a subscriber completes each. */
async function runBroker(client: ServiceBusClient, queue: string, total: number, batchSize: number): Promise<Figures> {
  const sender = client.createSender(queue);
  const receiver = client.createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0 });
  await sender.sendMessages({ body: 'warm-up' });
  const [warm] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
  if (warm) await receiver.completeMessage(warm);

  const latencies: number[] = [];
  let completed = 0;
  let failure: unknown;
  const started = performance.now();
  const done = new Promise<void>((resolve, reject) => {
    const subscription = receiver.subscribe(
      {
        processMessage: async (message: ServiceBusReceivedMessage) => {
          const sentAt = Number(message.applicationProperties?.['sentAt']);
          latencies.push(performance.now() - sentAt);
          await receiver.completeMessage(message);
          completed++;
          if (completed === total) {
            void subscription.close();
            resolve();
          }
        },
        processError: async (args) => {
          failure = args.error;
          reject(args.error);
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: batchSize === 1 ? 64 : 200 },
    );
  });

  const inFlight = batchSize === 1 ? 32 : 4;
  let next = 0;
  const produce = async (): Promise<void> => {
    while (next < total) {
      const count = Math.min(batchSize, total - next);
      next += count;
      const messages = Array.from({ length: count }, (_, i) => ({
        body: { seq: next - count + i, serviceId: 'svc-bench' },
        applicationProperties: { sentAt: performance.now() },
      }));
      await sender.sendMessages(batchSize === 1 ? (messages[0] ?? { body: null }) : messages);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, produce));
  await done;
  if (failure) throw failure;
  const elapsed = performance.now() - started;
  await sender.close();
  await receiver.close();
  return figures(`SDK -> broker, batches of ${batchSize}`, total, elapsed, latencies);
}

/** Unloaded latency: one message in flight at a time, sent and received through the SDK. */
async function runPingPong(client: ServiceBusClient, queue: string, total: number): Promise<Figures> {
  const sender = client.createSender(queue);
  const receiver = client.createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0 });
  const latencies: number[] = [];
  let pending: ((sentAt: number) => void) | undefined;
  const subscription = receiver.subscribe(
    {
      processMessage: async (message) => {
        await receiver.completeMessage(message);
        pending?.(Number(message.applicationProperties?.['sentAt']));
      },
      processError: async () => undefined,
    },
    { autoCompleteMessages: false, maxConcurrentCalls: 1 },
  );
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const received = new Promise<number>((resolve) => (pending = resolve));
    await sender.sendMessages({ body: i, applicationProperties: { sentAt: performance.now() } });
    const sentAt = await received;
    latencies.push(performance.now() - sentAt);
  }
  const elapsed = performance.now() - started;
  await subscription.close();
  await sender.close();
  await receiver.close();
  return figures('SDK -> broker, one at a time', total, elapsed, latencies);
}

async function runInProcessPingPong(total: number): Promise<Figures> {
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const sentAt = performance.now();
    await new Promise<void>((resolve) => setImmediate(resolve));
    latencies.push(performance.now() - sentAt);
  }
  return figures('in-process queue, one at a time', total, performance.now() - started, latencies);
}

/** The same flow through an in-process queue: the floor the broker's wire, codec and locks add to. */
async function runInProcess(total: number, batchSize: number): Promise<Figures> {
  const items: Array<{ body: unknown; sentAt: number }> = [];
  let wake: (() => void) | undefined;
  const latencies: number[] = [];
  const started = performance.now();
  const consumer = (async () => {
    let received = 0;
    while (received < total) {
      const item = items.shift();
      if (!item) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      latencies.push(performance.now() - item.sentAt);
      await Promise.resolve(); // "complete"
      received++;
    }
  })();
  for (let sent = 0; sent < total; sent += batchSize) {
    const count = Math.min(batchSize, total - sent);
    for (let i = 0; i < count; i++) items.push({ body: { seq: sent + i }, sentAt: performance.now() });
    wake?.();
    wake = undefined;
    await Promise.resolve();
  }
  await consumer;
  return figures(`in-process queue, batches of ${batchSize}`, total, performance.now() - started, latencies);
}

function print(f: Figures): void {
  console.log(
    `${f.label.padEnd(36)} ${String(f.messages).padStart(6)} msgs  ${f.seconds.toFixed(2).padStart(6)} s  ` +
      `${Math.round(f.perSecond).toString().padStart(9)} msg/s  p50 ${f.p50Ms.toFixed(2)} ms  p99 ${f.p99Ms.toFixed(2)} ms`,
  );
}

export async function run(args: string[]): Promise<void> {
  const index = args.indexOf('--messages');
  const total = index >= 0 ? Number(args[index + 1]) : 5000;
  if (!Number.isInteger(total) || total <= 0) throw new Error('--messages must be a positive integer');
  const emulator = await startServiceBusEmulator({ port: 0, entities: { queues: [{ name: 'bench-1' }, { name: 'bench-100' }] } });
  const client = new ServiceBusClient(emulator.connectionString);
  try {
    console.log(`Service Bus: send + receive + complete, ${total} messages per run (node ${process.version})`);
    for (const batchSize of [1, 100]) {
      // Three rounds, median reported: the machine is shared, single runs swing with its load.
      const rounds: Figures[] = [];
      for (let round = 0; round < 3; round++) rounds.push(await runBroker(client, `bench-${batchSize}`, total, batchSize));
      rounds.sort((a, b) => a.perSecond - b.perSecond);
      const broker = rounds[1] ?? rounds[0];
      if (!broker) throw new Error('no benchmark round ran');
      const local = await runInProcess(total, batchSize);
      console.log(`  rounds (msg/s): ${rounds.map((r) => Math.round(r.perSecond)).join(', ')}; median:`);
      print(broker);
      print(local);
      console.log(
        `  ratio in-process/broker: ${(local.perSecond / broker.perSecond).toFixed(1)}x throughput; ` +
          `broker p99 ${broker.p99Ms.toFixed(2)} ms; target >= 2000 msg/s: ${broker.perSecond >= 2000 ? 'met' : 'NOT met'}`,
      );
    }
    const pingCount = Math.min(total, 1000);
    const ping = await runPingPong(client, 'bench-1', pingCount);
    const localPing = await runInProcessPingPong(pingCount);
    print(ping);
    print(localPing);
    console.log(`  unloaded send-to-receive p99: broker ${ping.p99Ms.toFixed(2)} ms vs in-process ${localPing.p99Ms.toFixed(3)} ms`);
  } finally {
    await client.close();
    await emulator.close();
  }
}
