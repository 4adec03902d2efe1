# Sourced by .ci/run: installs Debian's prometheus (prometheus + promtool), backfills the OpenMetrics
# of the development bundles into one TSDB (their windows do not overlap), starts Prometheus on a
# loopback port and exports PROM_URL. Idempotent: a running, ready instance is reused; a filled TSDB
# is not rebuilt. Writes the PID to .ci/pids/prometheus.pid. Returns non-zero with a message on failure.
#   PROM_PORT            port (default 19090)
#   ROOTLINE_SHARED_DIR  the shared/ folder (default: ../shared beside the repo)
#   ROOTLINE_CI_STATE    where data and logs go (default /tmp/rootline-ci)

_rl_prom_main() {
  local repo shared state port data log pidfile scenarios marker
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  shared="${ROOTLINE_SHARED_DIR:-$repo/../shared}"
  scenarios="$shared/bench/scenarios"
  state="${ROOTLINE_CI_STATE:-/tmp/rootline-ci}/prometheus"
  port="${PROM_PORT:-19090}"
  data="$state/data"
  log="$state/prometheus.log"
  pidfile="$repo/.ci/pids/prometheus.pid"
  mkdir -p "$state" "$repo/.ci/pids"

  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
    export PROM_URL="http://127.0.0.1:$port" PROMETHEUS_BIN="$(command -v prometheus)" PROMTOOL_BIN="$(command -v promtool)" ROOTLINE_SCENARIOS="$scenarios"
    echo "prometheus: already running (pid $(cat "$pidfile")) at $PROM_URL"
    return 0
  fi

  if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    echo "prometheus: installing Debian's prometheus package..."
    if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >"$state/apt.log" 2>&1 \
        || { apt-get update -qq >>"$state/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >>"$state/apt.log" 2>&1; }; }; then
      echo "prometheus: FAILED to install the prometheus package (see $state/apt.log):" >&2
      tail -5 "$state/apt.log" >&2
      return 1
    fi
  fi

  if [ ! -d "$scenarios" ]; then
    echo "prometheus: FAILED: no bundles at $scenarios (set ROOTLINE_SHARED_DIR to the shared/ folder)" >&2
    return 1
  fi
  # Rebuild the TSDB only when the set of bundles changed.
  marker="$(ls "$scenarios"/*/bundle/metrics/*.om 2>/dev/null | sort | md5sum | cut -c1-12)"
  if [ ! -f "$data/.rootline-backfill-$marker" ]; then
    rm -rf "$data" && mkdir -p "$data"
    local om n=0
    for om in "$scenarios"/*/bundle/metrics/*.om; do
      if ! promtool tsdb create-blocks-from openmetrics "$om" "$data" >>"$state/backfill.log" 2>&1; then
        echo "prometheus: FAILED to backfill $om (see $state/backfill.log)" >&2
        return 1
      fi
      n=$((n + 1))
    done
    touch "$data/.rootline-backfill-$marker"
    echo "prometheus: backfilled $n bundles into $data"
  fi

  # No scrape targets: the TSDB only holds the backfilled bundles.
  printf 'global:\n  scrape_interval: 15s\nscrape_configs: []\n' >"$state/prometheus.yml"
  if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null; sleep 1; fi
  nohup prometheus --config.file="$state/prometheus.yml" --storage.tsdb.path="$data" \
    --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$port" \
    --query.lookback-delta=5m >"$log" 2>&1 &
  echo $! >"$pidfile"
  local i
  for i in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "prometheus: FAILED: the server exited at start-up (see $log):" >&2
      tail -5 "$log" >&2
      return 1
    fi
    sleep 0.5
  done
  if ! curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
    echo "prometheus: FAILED: not ready after 30 s (see $log)" >&2
    return 1
  fi
  export PROM_URL="http://127.0.0.1:$port"
  # The backfilled blocks are years old for Prometheus' clock: check they are really queryable.
  local probe
  probe="$(curl -fsS "$PROM_URL/api/v1/query?query=count(etcd_server_has_leader)&time=$(node -e "const l=require('$(ls -d "$scenarios"/*/ | head -1)label.json');console.log(Date.parse(l.window.to)/1000-600)")" 2>/dev/null)"
  case "$probe" in
    *'"result":[{'*) echo "prometheus: ready at $PROM_URL (pid $(cat "$pidfile")), backfilled data queryable" ;;
    *) echo "prometheus: FAILED: backfilled data is not queryable: $probe" >&2; return 1 ;;
  esac
  export PROMETHEUS_BIN="$(command -v prometheus)" PROMTOOL_BIN="$(command -v promtool)" ROOTLINE_SCENARIOS="$scenarios"
}
_rl_prom_main
