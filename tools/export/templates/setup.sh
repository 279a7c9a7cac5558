#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image (Ubuntu): Node 20 from NodeSource, then the
# course's own locked dependencies.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ca-certificates curl gnupg >/dev/null
curl -fsSL https://deb.nodesource.com/setup_20.x | bash - >/dev/null
apt-get install -y -qq nodejs >/dev/null
node --version
cd /autograder/source
npm ci --no-audit --no-fund
