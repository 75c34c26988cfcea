// The three workloads, all from the one image and the one managed identity:
//
//   the bot      `memberportal serve`: ingress on 3978 (https outside, /api/messages), liveness
//                on /healthz, readiness on /readyz; SCHEDULER=off, so any number of replicas;
//   the worker   `memberportal worker`: the scheduled jobs and outbox delivery, one replica, no
//                ingress (it listens on no port, so it has no HTTP probe: Container Apps restarts
//                it if the process exits);
//   the release  `memberportal migrate`, a job started by hand (or by infra/scripts/release.sh)
//                before each upgrade, so the schema moves first and the apps follow.
//
// Secrets are Key Vault references read with the identity; nothing secret is in a parameter
// file or an app setting.

@description('The Azure region.')
param location string

@description('Tags.')
param tags object

@description('The bot\'s container app name.')
param botName string

@description('The worker\'s container app name.')
param workerName string

@description('The migration job\'s name.')
param migrateJobName string

@description('The Container Apps environment.')
param environmentResourceId string

@description('The image, e.g. <registry>.azurecr.io/member-enquiries:0.1.0.')
param image string

@description('The registry\'s login server; the identity pulls from it (AcrPull).')
param registryServer string

@description('The user-assigned managed identity: the bot\'s app, the registry pull, Key Vault.')
param identityResourceId string

@description('The identity\'s client id (the bot\'s app id).')
param identityClientId string

@description('Key Vault\'s URI, ending in a slash.')
param keyVaultUri string

@description('DATABASE_URL without the password (PGPASSWORD carries it, from Key Vault).')
param databaseUrl string

@description('The bot\'s public https address.')
param publicUrl string

@description('Whether Key Vault holds the council TOML file (secret "council-config"); if not, the demo council.')
param councilConfigInKeyVault bool

@description('Whether Key Vault holds the Entra ID groups file (secret "entra-groups").')
param entraGroupsInKeyVault bool

@description('Whether the Graph settings are given (its secret is then in Key Vault).')
param graphEnabled bool

@description('GRAPH_TENANT_ID.')
param graphTenantId string

@description('GRAPH_CLIENT_ID.')
param graphClientId string

@description('The most bot replicas.')
param botMaxReplicas int

var port = 3978
var configFolder = '/config'

// Secrets: Key Vault references read with the identity. The configuration files are Key Vault
// secrets too (they hold officers' names), mounted read-only as files under /config.
var secrets = concat(
  [
    {
      name: 'postgres-password'
      keyVaultUrl: '${keyVaultUri}secrets/postgres-password'
      identity: identityResourceId
    }
  ],
  graphEnabled
    ? [
        {
          name: 'graph-client-secret'
          keyVaultUrl: '${keyVaultUri}secrets/graph-client-secret'
          identity: identityResourceId
        }
      ]
    : [],
  councilConfigInKeyVault
    ? [
        {
          name: 'council-config'
          keyVaultUrl: '${keyVaultUri}secrets/council-config'
          identity: identityResourceId
        }
      ]
    : [],
  entraGroupsInKeyVault
    ? [
        {
          name: 'entra-groups'
          keyVaultUrl: '${keyVaultUri}secrets/entra-groups'
          identity: identityResourceId
        }
      ]
    : []
)
var configFiles = concat(
  councilConfigInKeyVault ? [{ path: 'council.toml', secretRef: 'council-config' }] : [],
  entraGroupsInKeyVault ? [{ path: 'entra.toml', secretRef: 'entra-groups' }] : []
)
var volumes = empty(configFiles)
  ? []
  : [
      {
        name: 'config'
        storageType: 'Secret'
        secrets: configFiles
      }
    ]
var volumeMounts = empty(configFiles)
  ? []
  : [
      {
        volumeName: 'config'
        mountPath: configFolder
      }
    ]

var environmentVariables = concat(
  [
    { name: 'DATABASE_URL', value: databaseUrl }
    { name: 'PGPASSWORD', secretRef: 'postgres-password' }
    { name: 'LOG_FORMAT', value: 'json' }
    { name: 'PUBLIC_URL', value: publicUrl }
    // The Agents SDK's names; the managed identity is the bot's app, so there is no secret
    { name: 'CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID', value: identityClientId }
    { name: 'CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID', value: tenant().tenantId }
    { name: 'CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE', value: 'UserManagedIdentity' }
  ],
  councilConfigInKeyVault ? [{ name: 'COUNCIL_CONFIG', value: '${configFolder}/council.toml' }] : [],
  entraGroupsInKeyVault ? [{ name: 'ENTRA_GROUPS', value: '${configFolder}/entra.toml' }] : [],
  graphEnabled
    ? [
        { name: 'GRAPH_TENANT_ID', value: graphTenantId }
        { name: 'GRAPH_CLIENT_ID', value: graphClientId }
        { name: 'GRAPH_CLIENT_SECRET', secretRef: 'graph-client-secret' }
      ]
    : []
)

var registries = [
  {
    server: registryServer
    identity: identityResourceId
  }
]
var identities = {
  userAssignedResourceIds: [
    identityResourceId
  ]
}

module bot 'br/public:avm/res/app/container-app:0.23.0' = {
  name: 'bot'
  params: {
    name: botName
    location: location
    tags: tags
    environmentResourceId: environmentResourceId
    managedIdentities: identities
    registries: registries
    secrets: secrets
    ingressExternal: true
    ingressTargetPort: port
    ingressTransport: 'auto'
    ingressAllowInsecure: false
    activeRevisionsMode: 'Single'
    scaleSettings: {
      minReplicas: 1 // Teams waits a few seconds for an answer: no cold start
      maxReplicas: botMaxReplicas
      rules: [
        {
          name: 'http-concurrency'
          http: {
            metadata: {
              concurrentRequests: '50'
            }
          }
        }
      ]
    }
    volumes: volumes
    containers: [
      {
        name: 'bot'
        image: image
        args: [
          'serve'
        ]
        env: concat(environmentVariables, [
          { name: 'SCHEDULER', value: 'off' }
        ])
        resources: {
          cpu: json('0.5')
          memory: '1Gi'
        }
        volumeMounts: volumeMounts
        probes: [
          {
            type: 'Startup'
            httpGet: { path: '/healthz', port: port }
            periodSeconds: 5
            failureThreshold: 24
          }
          {
            type: 'Liveness'
            httpGet: { path: '/healthz', port: port }
            periodSeconds: 15
            failureThreshold: 3
          }
          {
            type: 'Readiness'
            httpGet: { path: '/readyz', port: port }
            periodSeconds: 10
            failureThreshold: 3
          }
        ]
      }
    ]
  }
}

module worker 'br/public:avm/res/app/container-app:0.23.0' = {
  name: 'worker'
  dependsOn: [
    bot // an upgrade rolls the bot first, then the worker
  ]
  params: {
    name: workerName
    location: location
    tags: tags
    environmentResourceId: environmentResourceId
    managedIdentities: identities
    registries: registries
    secrets: secrets
    disableIngress: true
    activeRevisionsMode: 'Single'
    scaleSettings: {
      minReplicas: 1
      maxReplicas: 1
    }
    volumes: volumes
    containers: [
      {
        name: 'worker'
        image: image
        args: [
          'worker'
        ]
        env: concat(environmentVariables, [
          { name: 'SCHEDULER', value: 'on' }
        ])
        resources: {
          cpu: json('0.5')
          memory: '1Gi'
        }
        volumeMounts: volumeMounts
      }
    ]
  }
}

module migrate 'br/public:avm/res/app/job:0.7.2' = {
  name: 'migrate-job'
  params: {
    name: migrateJobName
    location: location
    tags: tags
    environmentResourceId: environmentResourceId
    managedIdentities: identities
    registries: registries
    secrets: secrets
    triggerType: 'Manual'
    manualTriggerConfig: {
      parallelism: 1
      replicaCompletionCount: 1
    }
    replicaTimeout: 900
    replicaRetryLimit: 1
    volumes: volumes
    containers: [
      {
        name: 'migrate'
        image: image
        args: [
          'migrate'
        ]
        env: environmentVariables
        resources: {
          cpu: '0.5'
          memory: '1Gi'
        }
        volumeMounts: volumeMounts
      }
    ]
  }
}

output botFqdn string = bot.outputs.fqdn
output botResourceId string = bot.outputs.resourceId
output workerResourceId string = worker.outputs.resourceId
output migrateJobResourceId string = migrate.outputs.resourceId
