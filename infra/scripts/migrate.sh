#!/usr/bin/env bash
# The release step of an upgrade: run `memberportal migrate` with the new image, as the
# Container Apps job, and wait for it. Run it before the bot and the worker move to the image.
#   infra/scripts/migrate.sh RESOURCE_GROUP JOB_NAME IMAGE
# On the first deployment the job does not exist yet; the script says so and succeeds (the bot
# migrates the empty database when it starts).
set -euo pipefail
group="${1:?usage: migrate.sh RESOURCE_GROUP JOB_NAME IMAGE}"
job="${2:?usage: migrate.sh RESOURCE_GROUP JOB_NAME IMAGE}"
image="${3:?usage: migrate.sh RESOURCE_GROUP JOB_NAME IMAGE}"
if ! az containerapp job show --resource-group "$group" --name "$job" --output none 2>/dev/null; then
  echo "No migration job ${job} yet (first deployment): the bot migrates at start."
  exit 0
fi
az containerapp job update --resource-group "$group" --name "$job" --image "$image" --output none
execution="$(az containerapp job start --resource-group "$group" --name "$job" \
  --query name --output tsv)"
echo "Migrating with ${image} (execution ${execution})"
for _ in $(seq 1 90); do  # 15 minutes at most
  status="$(az containerapp job execution show --resource-group "$group" --name "$job" \
    --job-execution-name "$execution" --query properties.status --output tsv)"
  case "$status" in
    Succeeded) echo "Migrations done."; exit 0 ;;
    Failed|Stopped|Degraded)
      echo "The migration ${status}: see its logs in Log Analytics (ContainerAppConsoleLogs_CL)." >&2
      exit 1 ;;
  esac
  sleep 10
done
echo "The migration did not finish in 15 minutes." >&2
exit 1
