// The Service Bus client from the ServiceBusConnection setting.
import { ServiceBusClient } from '@azure/service-bus';
import { toTokenCredential } from '../config/credential';
import type { ServiceBusConnection } from '../config/settings';

export function openServiceBus(connection: ServiceBusConnection): ServiceBusClient {
  return connection.kind === 'connectionString'
    ? new ServiceBusClient(connection.connectionString)
    : new ServiceBusClient(connection.fullyQualifiedNamespace, toTokenCredential(connection.credential));
}
