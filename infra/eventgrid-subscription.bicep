// Step two, after the code is deployed: subscribes the Function App's ACS chat Event Grid function
// to the ACS system topic. Event Grid validates an azurefunction endpoint when the subscription is
// created, so the function must already exist. Run by the azd postdeploy hook (hooks/postdeploy.sh):
// az deployment group create -g <group> -f infra/eventgrid-subscription.bicep \
//   -p systemTopicName=<ACS_EVENT_GRID_SYSTEM_TOPIC_NAME> functionAppName=<AZURE_FUNCTION_APP_NAME>
param systemTopicName string
param functionAppName string

var acsChat = loadJsonContent('resources.json').eventGrid.acsChat

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource chatEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: 'acs-chat-to-${acsChat.functionName}'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionApp.id}/functions/${acsChat.functionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: { includedEventTypes: acsChat.eventTypes }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
  }
}
