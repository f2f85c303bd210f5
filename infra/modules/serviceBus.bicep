// Service Bus namespace with every queue and topic in resources.json. The manifest holds the
// entity properties in ARM's own names, so they are passed through unchanged. Standard tier:
// Basic has no sessions, topics or duplicate detection.
param name string
param location string
param tags object

var resources = loadJsonContent('../resources.json')

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queue in resources.serviceBus.queues: {
    parent: namespace
    name: queue.name
    properties: queue.properties
  }
]

resource topics 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = [
  for topic in resources.serviceBus.topics: {
    parent: namespace
    name: topic.name
    properties: topic.properties
  }
]

// serviceBusEndpoint is https://<namespace>.<suffix>:443/; the SDK wants the bare host name.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
