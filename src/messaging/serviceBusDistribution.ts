// Distribution signals and timeouts over Service Bus: `distribute` (session = serviceId, so one
// round per service at a time) and `timeouts` (scheduled messages keyed by what they time out,
// so duplicate detection turns a repeated schedule into one delivery).
import { randomUUID } from 'node:crypto';
import type { ServiceBusSender } from '@azure/service-bus';
import { timeoutMessageId, type DistributionSignal, type TimeoutMessage, type TimeoutScheduler } from '../distribution/ports';

export interface DistributeMessage {
  readonly serviceId: string;
  readonly reason: string;
}

export class ServiceBusDistributionSignal implements DistributionSignal {
  readonly #sender: ServiceBusSender;

  constructor(sender: ServiceBusSender) {
    this.#sender = sender;
  }

  async requestDistribution(serviceId: string, reason: string): Promise<void> {
    // Every request is its own message: coalescing by id could drop the one that follows a change.
    const body: DistributeMessage = { serviceId, reason };
    await this.#sender.sendMessages({ body, sessionId: serviceId, messageId: randomUUID(), contentType: 'application/json', subject: 'distribute' });
  }
}

export class ServiceBusTimeoutScheduler implements TimeoutScheduler {
  readonly #sender: ServiceBusSender;

  constructor(sender: ServiceBusSender) {
    this.#sender = sender;
  }

  async schedule(message: TimeoutMessage, at: Date): Promise<void> {
    await this.#sender.scheduleMessages({ body: message, messageId: timeoutMessageId(message), contentType: 'application/json', subject: message.kind }, at);
  }
}
