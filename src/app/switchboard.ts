// Composition root: builds Switchboard's clients and use-case dependencies once per process from
// validated settings. Function entry points take what they need from here.
import type { Database } from '@azure/cosmos';
import type { ServiceBusClient } from '@azure/service-bus';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { ChatDeps } from '../chat/ports';
import { evaluateCalendar } from '../domain/calendar';
import { conversationForWorkflow } from '../workflow/conversationForWorkflow';
import type { WorkflowRuntime } from '../workflow/runtime';
import { loadSettings, type Settings } from '../config/settings';
import type { Agent } from '../domain/agent';
import type { Calendar } from '../domain/calendar';
import type { Service } from '../domain/service';
import type { Clock, DistributionDeps } from '../distribution/ports';
import type { DependencyProbe } from '../health/checkHealth';
import { ServiceBusDistributionSignal, ServiceBusTimeoutScheduler } from '../messaging/serviceBusDistribution';
import { openServiceBus } from '../messaging/serviceBusClient';
import { serviceBusProbe } from '../messaging/serviceBusProbe';
import { agentMapping, CosmosAgentDirectory } from '../storage/agentDocuments';
import { blobProbe } from '../storage/blobProbe';
import { openBlobService } from '../storage/blobService';
import { CosmosAgentNotifier } from '../storage/cosmosAgentNotifier';
import { CosmosConversationStore } from '../storage/cosmosConversationStore';
import { CosmosCustomerTokenStore } from '../storage/cosmosCustomerTokenStore';
import { openCosmosDatabase } from '../storage/cosmosDatabase';
import { CosmosDocumentStore } from '../storage/cosmosDocumentStore';
import { CosmosTaskStore } from '../storage/cosmosTaskStore';
import { cosmosProbe } from '../storage/cosmosProbe';
import { CosmosQueueStore } from '../storage/cosmosQueueStore';
import { CosmosSessionLog } from '../storage/cosmosSessionLog';
import { CosmosWorkflowStore } from '../storage/cosmosWorkflowStore';
import type { WorkflowStores } from '../workflow/ports';

export interface Switchboard {
  readonly settings: Settings;
  readonly database: Database;
  readonly blobService: BlobServiceClient;
  readonly serviceBus: ServiceBusClient;
  readonly healthProbes: readonly DependencyProbe[];
  readonly distribution: DistributionDeps;
  readonly chat: ChatDeps;
  /** Workflow versions and calendars: written by the admin API, read by the chat workflow. */
  readonly workflows: WorkflowStores;
  /** What the chat workflow's activities run against. */
  readonly workflowRuntime: WorkflowRuntime;
}

let instance: Switchboard | undefined;

const systemClock: Clock = { now: () => new Date() };

export function createSwitchboard(env: Readonly<Record<string, string | undefined>> = process.env): Switchboard {
  const settings = loadSettings(env);
  const database = openCosmosDatabase(settings.cosmos);
  const blobService = openBlobService(settings.storage);
  const serviceBus = openServiceBus(settings.serviceBus);
  const container = (name: string) => database.container(name);
  const distribution: DistributionDeps = {
    services: new CosmosDocumentStore<Service>(container('services')),
    agents: new CosmosDocumentStore<Agent>(container('agents'), agentMapping),
    tasks: new CosmosTaskStore(container('tasks')),
    queue: new CosmosQueueStore(container('queue')),
    directory: new CosmosAgentDirectory(container('agents')),
    signal: new ServiceBusDistributionSignal(serviceBus.createSender('distribute')),
    timeouts: new ServiceBusTimeoutScheduler(serviceBus.createSender('timeouts')),
    notifier: new CosmosAgentNotifier(container('events'), systemClock.now),
    sessions: new CosmosSessionLog(container('sessions')),
    clock: systemClock,
  };
  const workflows: WorkflowStores = {
    store: new CosmosWorkflowStore(container('workflows'), systemClock.now),
    calendars: new CosmosDocumentStore<Calendar>(container('calendars')),
  };
  /** The current version of the service's workflow, or undefined when it has none. */
  const currentVersionFor = async (serviceId: string): Promise<string | undefined> => {
    const workflowId = (await distribution.services.read(serviceId))?.value.workflowId ?? null;
    if (workflowId === null) return undefined;
    const versionId = await workflows.store.currentVersionId(workflowId);
    if (!versionId) throw new Error(`service ${serviceId} names workflow ${workflowId}, which does not exist`);
    return versionId;
  };
  const chat: ChatDeps = {
    distribution,
    conversations: new CosmosConversationStore(container('conversations')),
    tokens: new CosmosCustomerTokenStore(container('conversations')),
    resolveWorkflowVersion: (serviceId) => currentVersionFor(serviceId),
  };
  const workflowRuntime: WorkflowRuntime = {
    distribution,
    readVersion: (versionId) => workflows.store.readVersion(versionId),
    currentVersionFor,
    openingState: async (calendarId, at) => {
      const calendar = (await workflows.calendars.read(calendarId))?.value;
      if (!calendar) throw new Error(`calendar ${calendarId} not found`);
      return evaluateCalendar(calendar, at);
    },
    conversation: conversationForWorkflow(chat.conversations, systemClock),
    fetch: (input, init) => fetch(input, init),
  };
  return {
    settings,
    database,
    blobService,
    serviceBus,
    healthProbes: [cosmosProbe(database), blobProbe(blobService), serviceBusProbe(serviceBus)],
    distribution,
    chat,
    workflows,
    workflowRuntime,
  };
}

/** The process-wide instance; the first call validates settings and throws a ConfigError naming any bad one. */
export function switchboard(): Switchboard {
  instance ??= createSwitchboard();
  return instance;
}
