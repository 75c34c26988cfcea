// The Azure Bot: the registration Teams sends activities through. There is no Azure Verified
// Module for it, so it is declared here, as in the Microsoft 365 Agents Toolkit's own Python
// template (infra/botRegistration/azurebot.bicep): the app is the user-assigned managed identity
// (MicrosoftAppType=UserAssignedMSI), so the bot holds no secret, and the Teams channel is on.

@description('The Azure Bot\'s resource name (globally unique).')
param name string

@description('The name the Azure Bot shows.')
@maxLength(42)
param displayName string

@description('The messaging endpoint: https://<bot host>/api/messages.')
param endpoint string

@description('The user-assigned managed identity\'s resource id.')
param identityResourceId string

@description('The identity\'s client id: the bot\'s app id (MicrosoftAppId).')
param identityClientId string

@description('The council\'s tenant.')
param identityTenantId string

@description('F0 is enough: Teams is a standard channel, with no message charge.')
@allowed([
  'F0'
  'S1'
])
param sku string = 'F0'

@description('Tags.')
param tags object

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: endpoint
    msaAppId: identityClientId
    msaAppMSIResourceId: identityResourceId
    msaAppTenantId: identityTenantId
    msaAppType: 'UserAssignedMSI'
    publicNetworkAccess: 'Enabled'
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

output name string = bot.name
output resourceId string = bot.id
