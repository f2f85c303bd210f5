#!/bin/sh
# azd postdeploy hook: subscribes the ACS chat Event Grid function to the ACS system topic once the
# code (and so the function) exists. azd exports main.bicep's outputs as environment variables.
set -eu

function_name=$(node -p "require('./infra/resources.json').eventGrid.acsChat.functionName")

if ! az functionapp function show --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
  --function-name "$function_name" --output none 2>/dev/null; then
  echo "postdeploy: $AZURE_FUNCTION_APP_NAME has no function $function_name yet; ACS chat events stay unsubscribed until a deploy that has it."
  exit 0
fi

az deployment group create --resource-group "$AZURE_RESOURCE_GROUP" --name acs-chat-subscription \
  --template-file infra/eventgrid-subscription.bicep \
  --parameters systemTopicName="$ACS_EVENT_GRID_SYSTEM_TOPIC_NAME" functionAppName="$AZURE_FUNCTION_APP_NAME" \
  --output none
echo "postdeploy: ACS chat events now go to $AZURE_FUNCTION_APP_NAME/$function_name."
