// The custom topic Switchboard publishes its own domain events to (key auth off: the app's
// identity holds EventGrid Data Sender). The input schema is the one in resources.json.
param name string
param location string
param tags object

var resources = loadJsonContent('../resources.json')

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: resources.eventGrid.switchboardEvents.inputSchema
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

output endpoint string = topic.properties.endpoint
