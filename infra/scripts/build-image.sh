#!/usr/bin/env bash
# Build the image in the council's Azure Container Registry (ACR Tasks: no Docker needed here).
#   infra/scripts/build-image.sh REGISTRY_NAME [TAG]      TAG defaults to the commit's short hash
# Prints the image's full name, and the same as an Agents Toolkit output (CONTAINER_IMAGE).
set -euo pipefail
registry="${1:?usage: build-image.sh REGISTRY_NAME [TAG]}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
tag="${2:-$(git -C "$root" rev-parse --short=12 HEAD)}"
login_server="$(az acr show --name "$registry" --query loginServer --output tsv)"
az acr build --registry "$registry" --image "member-enquiries:${tag}" "$root"
image="${login_server}/member-enquiries:${tag}"
echo "Built ${image}"
echo "::set-teamsfx-env CONTAINER_IMAGE=${image}"
