// Azure Communication Services (the ACS chat channel) and the Event Grid system topic that
// publishes its chat events. The subscription to the Function App is deployed after the code,
// by eventgrid-subscription.bicep, because it needs the Event Grid function to exist.
param name string
param systemTopicName string
param dataLocation string
param tags object

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: { dataLocation: dataLocation }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: 'global'
  tags: tags
  properties: {
    source: communication.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

output systemTopicName string = systemTopic.name
