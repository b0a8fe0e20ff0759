#!/usr/bin/env bash
# The SDM relay's cluster tests start a real Redis broker (Debian's redis-server) on loopback.
# Installs it when it is missing: apt waits for its lock (another apt run finishing) instead of
# failing on it, and a failed attempt is retried. Installing does not leave a service running here:
# the tests start their own broker and stop it.
set -euo pipefail
command -v redis-server >/dev/null && exit 0
[ "$(id -u)" = 0 ] || { echo "install-broker: not root: install Debian's redis-server (apt-get install redis-server)" >&2; exit 1; }
wait_lock=(-o DPkg::Lock::Timeout=300)
for attempt in 1 2 3; do
  if timeout 600 apt-get "${wait_lock[@]}" update \
    && DEBIAN_FRONTEND=noninteractive timeout 600 apt-get "${wait_lock[@]}" install -y --no-install-recommends redis-server; then
    # Debian's package may start its own service (where there is an init system): the tests do not use it.
    (command -v service >/dev/null && service redis-server stop) >/dev/null 2>&1 || true
    exit 0
  fi
  echo "install-broker: installing redis-server failed (attempt $attempt), retrying in 20 s" >&2
  sleep 20
done
exit 1
