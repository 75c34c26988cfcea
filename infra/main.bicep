// Member Enquiries on Azure, for one council and one environment, in one resource group:
//
//   a user-assigned managed identity (the bot's identity: MicrosoftAppType=UserAssignedMSI),
//   Log Analytics, a virtual network, PostgreSQL Flexible Server (private, in the network),
//   Key Vault (RBAC; the apps read their secrets through the identity), a container registry,
//   a Container Apps environment with the bot (`serve`, port 3978, /api/messages), the worker
//   (`worker`) and the release job (`migrate`), and the Azure Bot with its Teams channel.
//
// Azure Verified Modules (br/public:avm/...) wherever one exists, each pinned to a version;
// the Azure Bot has none, so modules/bot-registration.bicep declares it as the Microsoft 365
// Agents Toolkit's own template does. docs/deployment.md walks through a deployment.
//
// Two passes: without `containerImage` the deployment creates everything but the apps (the
// registry is empty until the first image is built into it); with it, the apps and the job too.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// The council's names
// ---------------------------------------------------------------------------------------------

@description('The council\'s short name, lower-case letters and digits, e.g. "mvale" for Mersey Vale. It names every resource.')
@minLength(2)
@maxLength(8)
param councilShortName string

@description('Which environment this is.')
@allowed([
  'dev'
  'test'
  'prod'
])
param environmentName string

@description('The Azure region, e.g. uksouth. Defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('The bot\'s name as the Azure Bot shows it.')
@maxLength(42)
param botDisplayName string = 'Member Enquiries'

@description('The image to run, e.g. crmvaleprod1234.azurecr.io/member-enquiries:0.1.0. Empty: the first pass, before any image is in the registry; the apps are not created yet.')
param containerImage string = ''

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

@description('The PostgreSQL administrator the bot connects as.')
param postgresAdministratorLogin string = 'memberportal'

@description('The PostgreSQL administrator\'s password. Kept in Key Vault; never in a file.')
@secure()
@minLength(16)
param postgresAdministratorPassword string

@description('The PostgreSQL server to use. Empty: the generated name. After a point-in-time restore, the restored server\'s name, so the apps move to it (docs/deployment.md, section 13).')
param postgresServerName string = ''

@description('PostgreSQL\'s compute size. Burstable B1ms serves a council of 60 to 120 councillors.')
param postgresSkuName string = 'Standard_B1ms'

@description('PostgreSQL\'s compute tier, matching postgresSkuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresTier string = 'Burstable'

@description('Days of backups kept for point-in-time restore (7 to 35).')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 35

@description('Copies the backups to the paired region, for a restore there if the region fails.')
@allowed([
  'Enabled'
  'Disabled'
])
param postgresGeoRedundantBackup string = 'Enabled'

// ---------------------------------------------------------------------------------------------
// The apps' configuration
// ---------------------------------------------------------------------------------------------

@description('True once the council\'s TOML file is in Key Vault as the secret "council-config" (docs/deployment.md). False: the demo council, for a trial only.')
param councilConfigInKeyVault bool = false

@description('True once the Entra ID groups TOML file (ENTRA_GROUPS) is in Key Vault as the secret "entra-groups". False: the directory comes from the council configuration.')
param entraGroupsInKeyVault bool = false

@description('Who may set and rotate Key Vault\'s secrets (Key Vault Secrets Officer): the object id of the council\'s administrators\' group, or of the person deploying. Empty: nobody yet.')
param keyVaultSecretsOfficerPrincipalId string = ''

@description('Microsoft Graph (directory sync, missed replies): the tenant. Empty: Graph is not used.')
param graphTenantId string = ''

@description('Microsoft Graph: the app registration\'s client id.')
param graphClientId string = ''

@description('Microsoft Graph: the app registration\'s client secret. Kept in Key Vault.')
@secure()
param graphClientSecret string = ''

@description('The most bot replicas; each answers any conversation (the state is in PostgreSQL).')
@minValue(1)
@maxValue(10)
param botMaxReplicas int = 2

@description('Days Log Analytics keeps the logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

@description('The virtual network\'s address space; /16 recommended, /22 at least.')
param vnetAddressPrefix string = '10.40.0.0/16'

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var prefix = 'me-${councilShortName}-${environmentName}'
var unique = uniqueString(resourceGroup().id)
var names = {
  identity: 'id-${prefix}'
  logAnalytics: 'log-${prefix}'
  vnet: 'vnet-${prefix}'
  postgres: empty(postgresServerName) ? 'psql-${prefix}-${take(unique, 6)}' : postgresServerName
  keyVault: take('kv${replace(prefix, '-', '')}${unique}', 24)
  registry: take('cr${replace(prefix, '-', '')}${unique}', 50)
  environment: 'cae-${prefix}'
  bot: 'ca-${prefix}-bot'
  worker: 'ca-${prefix}-worker'
  migrate: 'caj-${prefix}-migrate'
  botService: 'bot-${prefix}-${take(unique, 6)}'
}
var tags = {
  application: 'member-enquiries'
  council: councilShortName
  environment: environmentName
}
var databaseName = 'memberportal'

// ---------------------------------------------------------------------------------------------
// Identity and logs
// ---------------------------------------------------------------------------------------------

module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.6.0' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.16.1' = {
  name: 'log-analytics'
  params: {
    name: names.logAnalytics
    location: location
    dataRetention: logRetentionDays
    tags: tags
  }
}

// ---------------------------------------------------------------------------------------------
// Network: the apps' subnet and PostgreSQL's, with PostgreSQL's private DNS zone
// ---------------------------------------------------------------------------------------------

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    name: names.vnet
    location: location
    addressPrefix: vnetAddressPrefix
    postgresDnsZoneName: '${prefix}.private.postgres.database.azure.com'
    tags: tags
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL Flexible Server
// ---------------------------------------------------------------------------------------------

module postgres 'br/public:avm/res/db-for-postgre-sql/flexible-server:0.16.0' = {
  name: 'postgres'
  params: {
    name: names.postgres
    location: location
    tags: tags
    version: '16'
    skuName: postgresSkuName
    tier: postgresTier
    availabilityZone: -1
    highAvailability: 'Disabled'
    storageSizeGB: 32
    autoGrow: 'Enabled'
    backupRetentionDays: postgresBackupRetentionDays
    geoRedundantBackup: postgresGeoRedundantBackup
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Enabled'
    }
    administratorLogin: postgresAdministratorLogin
    administratorLoginPassword: postgresAdministratorPassword
    delegatedSubnetResourceId: network.outputs.postgresSubnetId
    privateDnsZoneArmResourceId: network.outputs.postgresDnsZoneId
    publicNetworkAccess: 'Disabled'
    databases: [
      {
        name: databaseName
        charset: 'UTF8'
        collation: 'en_US.utf8'
      }
    ]
    diagnosticSettings: [
      {
        workspaceResourceId: logAnalytics.outputs.resourceId
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------------
// Key Vault: RBAC only; the identity may read secrets, nothing else
// ---------------------------------------------------------------------------------------------

var graphEnabled = !empty(graphTenantId) && !empty(graphClientId) && !empty(graphClientSecret)

module keyVault 'br/public:avm/res/key-vault/vault:0.14.0' = {
  name: 'key-vault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    sku: 'standard'
    enableRbacAuthorization: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 90
    enableVaultForDeployment: false
    enableVaultForDiskEncryption: false
    enableVaultForTemplateDeployment: false
    roleAssignments: concat(
      [
        {
          principalId: identity.outputs.principalId
          principalType: 'ServicePrincipal'
          roleDefinitionIdOrName: 'Key Vault Secrets User'
        }
      ],
      empty(keyVaultSecretsOfficerPrincipalId)
        ? []
        : [
            {
              principalId: keyVaultSecretsOfficerPrincipalId
              roleDefinitionIdOrName: 'Key Vault Secrets Officer'
            }
          ]
    )
    secrets: concat(
      [
        {
          name: 'postgres-password'
          value: postgresAdministratorPassword
        }
      ],
      graphEnabled
        ? [
            {
              name: 'graph-client-secret'
              value: graphClientSecret
            }
          ]
        : []
    )
    diagnosticSettings: [
      {
        workspaceResourceId: logAnalytics.outputs.resourceId
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------------
// The container registry: the identity pulls, nothing is anonymous, no admin user
// ---------------------------------------------------------------------------------------------

module registry 'br/public:avm/res/container-registry/registry:0.12.1' = {
  name: 'registry'
  params: {
    name: names.registry
    location: location
    tags: tags
    acrSku: 'Basic'
    acrAdminUserEnabled: false
    anonymousPullEnabled: false
    roleAssignments: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionIdOrName: 'AcrPull'
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------------
// The Container Apps environment, in the apps' subnet, its logs in Log Analytics
// ---------------------------------------------------------------------------------------------

module environment 'br/public:avm/res/app/managed-environment:0.15.0' = {
  name: 'container-apps-environment'
  params: {
    name: names.environment
    location: location
    tags: tags
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsWorkspaceResourceId: logAnalytics.outputs.resourceId
    }
    infrastructureSubnetResourceId: network.outputs.appsSubnetId
    internal: false
    publicNetworkAccess: 'Enabled'
    zoneRedundant: false
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

// The bot's public address is known before the app exists: <app name>.<environment's domain>.
var botFqdn = '${names.bot}.${environment.outputs.defaultDomain}'

// ---------------------------------------------------------------------------------------------
// The bot, the worker and the release job (second pass, once an image is in the registry)
// ---------------------------------------------------------------------------------------------

module apps 'modules/apps.bicep' = if (!empty(containerImage)) {
  name: 'apps'
  params: {
    location: location
    tags: tags
    botName: names.bot
    workerName: names.worker
    migrateJobName: names.migrate
    environmentResourceId: environment.outputs.resourceId
    image: containerImage
    registryServer: registry.outputs.loginServer
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    keyVaultUri: keyVault.outputs.uri
    databaseUrl: 'postgresql://${postgresAdministratorLogin}@${postgres.outputs.fqdn!}:5432/${databaseName}?ssl=require'
    publicUrl: 'https://${botFqdn}'
    councilConfigInKeyVault: councilConfigInKeyVault
    entraGroupsInKeyVault: entraGroupsInKeyVault
    graphEnabled: graphEnabled
    graphTenantId: graphTenantId
    graphClientId: graphClientId
    botMaxReplicas: botMaxReplicas
  }
}

// ---------------------------------------------------------------------------------------------
// The Azure Bot: the managed identity is its app (UserAssignedMSI); the Teams channel
// ---------------------------------------------------------------------------------------------

module botRegistration 'modules/bot-registration.bicep' = {
  name: 'bot-registration'
  params: {
    name: names.botService
    displayName: botDisplayName
    endpoint: 'https://${botFqdn}/api/messages'
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    identityTenantId: tenant().tenantId
    tags: tags
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs, in the Agents Toolkit's names (arm/deploy writes them into env/.env.<environment>)
// ---------------------------------------------------------------------------------------------

output BOT_ID string = identity.outputs.clientId
output BOT_TENANT_ID string = tenant().tenantId
output BOT_DOMAIN string = botFqdn
output BOT_ENDPOINT string = 'https://${botFqdn}'
output BOT_SERVICE_NAME string = botRegistration.outputs.name
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_REGISTRY_LOGIN_SERVER string = registry.outputs.loginServer
output AZURE_CONTAINER_APP_BOT_NAME string = names.bot
output AZURE_CONTAINER_APP_WORKER_NAME string = names.worker
output AZURE_CONTAINER_APP_MIGRATE_JOB_NAME string = names.migrate
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_POSTGRES_SERVER_NAME string = postgres.outputs.name
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = logAnalytics.outputs.logAnalyticsWorkspaceId
