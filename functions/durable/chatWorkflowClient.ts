// The chat use cases' orchestration port on a Durable client: start the chat's workflow (instance id
// = task id) and raise its events. Only functions/ may import durable-functions.
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { ChatWorkflowClient } from '../../src/chat/ports';
import { chatWorkflowName } from '../../src/workflow/contract';

/** States in which an instance still runs, so starting it again must not replace it and events reach it. */
const live = new Set<df.OrchestrationRuntimeStatus>([df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending, df.OrchestrationRuntimeStatus.Suspended, df.OrchestrationRuntimeStatus.ContinuedAsNew]);

/** The extra input an HTTP function declares to receive a Durable client. */
export const durableClientInput = df.input.durableClient();

async function statusOf(client: df.DurableClient, instanceId: string): Promise<df.DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId);
  } catch (err) {
    // The SDK reports a missing instance as an error mentioning the extension's 404.
    if (err instanceof Error && err.message.includes('404')) return undefined;
    throw err;
  }
}

export function chatWorkflowClient(context: InvocationContext): ChatWorkflowClient {
  const client = df.getClient(context);
  return {
    async start(input) {
      const status = await statusOf(client, input.taskId);
      if (status && live.has(status.runtimeStatus)) return; // a retried start: it already runs
      await client.startNew(chatWorkflowName, { instanceId: input.taskId, input });
    },
    async raise(taskId, event, payload) {
      try {
        await client.raiseEvent(taskId, event, payload);
      } catch (err) {
        // Raising on a missing or finished instance throws: nobody is listening, which is no error
        // (a direct chat has no workflow; a queued chat's workflow may have ended).
        const status = await statusOf(client, taskId);
        if (status === undefined || !live.has(status.runtimeStatus)) return;
        throw err;
      }
    },
  };
}
