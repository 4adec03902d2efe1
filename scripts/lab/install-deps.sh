#!/usr/bin/env bash
# Installs what the real-etcd lab runs, from Debian 12's packages, without starting their
# services (the lab starts its own etcd, Prometheus and node_exporter on its own ports).
# Needs root. Installs only what is missing; prints what it did.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(etcd-server prometheus prometheus-node-exporter fio sysstat util-linux mount e2fsprogs hostname)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "lab deps: all installed (${pkgs[*]})"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "lab deps: missing ${missing[*]} and not root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
# policy-rc.d exit 101: maintainer scripts must not start the packaged etcd / prometheus services
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { [ "$created_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d; return 0; }
trap cleanup EXIT
echo "lab deps: installing ${missing[*]}"
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/rootline-lab-apt.log 2>&1; then
  apt-get update -qq >>/tmp/rootline-lab-apt.log 2>&1 || true
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/rootline-lab-apt.log 2>&1; then
    echo "lab deps: FAILED to install ${missing[*]} (see /tmp/rootline-lab-apt.log):" >&2
    tail -5 /tmp/rootline-lab-apt.log >&2
    exit 1
  fi
fi
echo "lab deps: installed; etcd $(etcd --version 2>/dev/null | head -1 | awk '{print $3}')"
