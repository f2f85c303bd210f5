// The distribution benchmark's agents, on their own thread as agent desk calls run on their own
// function instances: each offer the distributor makes is accepted at once, chatted for 20 ms and
// finished (no ACW), and each action asks for a distribution round as the agent desk API does.
import { parentPort, workerData } from 'node:worker_threads';
import { CosmosClient } from '@azure/cosmos';
import { endAcw, finishTask } from '../src/distribution/afterCallWork';
import { acceptOffer } from '../src/distribution/offerDecisions';
import { guardCapacity, unobserved, world, type Counts } from './distributionWorld';

export interface AgentsWorkerData {
  endpoint: string;
  key: string;
  databaseName: string;
  /** Added before each Cosmos call, as for the distributor. */
  latencyMs: number;
}
export type ToAgents = { type: 'offer'; agentId: string; offerId: string; taskId: string } | { type: 'drain' };
export type FromAgents = { type: 'distribute'; serviceId: string } | { type: 'drained'; failures: string[]; overCapacity: number; counts: Counts };

if (parentPort) {
  const port = parentPort;
  const { endpoint, key, databaseName, latencyMs } = workerData as AgentsWorkerData;
  const client = new CosmosClient({ endpoint, key });
  const send = (message: FromAgents): void => port.postMessage(message);
  const w = world(client.database(databaseName), { requestDistribution: async (serviceId) => send({ type: 'distribute', serviceId }) }, unobserved, latencyMs);
  const guard = guardCapacity(w);
  const pending = new Set<Promise<void>>();
  const failures: string[] = [];
  port.on('message', (message: ToAgents) => {
    if (message.type === 'drain') {
      void Promise.allSettled(pending).then(() => {
        send({ type: 'drained', failures, overCapacity: guard.overCapacity, counts: w.counts });
        client.dispose();
        port.close();
      });
      return;
    }
    const action = (async () => {
      await acceptOffer(message.agentId, message.offerId, w.deps);
      await new Promise((r) => setTimeout(r, 20));
      const task = await finishTask(message.agentId, message.taskId, w.deps);
      if (task.state === 'wrap-up') await endAcw(message.agentId, message.taskId, w.deps);
    })()
      .catch((err: unknown) => {
        failures.push(err instanceof Error ? err.message : String(err));
      })
      .finally(() => pending.delete(action));
    pending.add(action);
  });
}
