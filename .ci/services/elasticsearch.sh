# Sourced by .ci/run: builds and starts a real single-node Elasticsearch 7.10.2 (the server jar
# org.elasticsearch:elasticsearch:7.10.2 with x-pack-core 7.10.2 for point in time, modules as
# republished by CodeLibs, run in-process by org.codelibs:elasticsearch-cluster-runner:7.10.2.0)
# from Maven Central on a loopback port, and exports ES_URL. Idempotent: a running instance is
# reused, a built runner is not rebuilt (Maven caches in ~/.m2). PID in .ci/pids/elasticsearch.pid.
#   ES_PORT            HTTP port (default 19200; transport on ES_PORT+100)
#   ROOTLINE_CI_STATE  where data and logs go (default /tmp/rootline-ci)
#   ES_HEAP            JVM heap (default 1g)

_rl_es_main() {
  local repo state port runner cp pidfile log data heap
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  state="${ROOTLINE_CI_STATE:-/tmp/rootline-ci}/elasticsearch"
  port="${ES_PORT:-19200}"
  heap="${ES_HEAP:-1g}"
  runner="$repo/test/integration/elasticsearch-runner"
  pidfile="$repo/.ci/pids/elasticsearch.pid"
  log="$state/elasticsearch.log"
  data="$state/node"
  mkdir -p "$state" "$repo/.ci/pids"

  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1; then
    export ES_URL="http://127.0.0.1:$port"
    echo "elasticsearch: already running (pid $(cat "$pidfile")) at $ES_URL"
    return 0
  fi

  if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
    echo "elasticsearch: installing a JDK 17 and Maven..."
    if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >"$state/apt.log" 2>&1 \
        || { apt-get update -qq >>"$state/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >>"$state/apt.log" 2>&1; }; }; then
      echo "elasticsearch: FAILED to install openjdk-17-jdk-headless and maven (see $state/apt.log)" >&2
      return 1
    fi
  fi

  # Resolve the server artifacts (cached in ~/.m2) and compile the 40-line runner, unless done already.
  cp="$state/classpath.txt"
  if [ ! -s "$cp" ] || [ ! -f "$state/classes/rootline/es/Main.class" ] || [ "$runner/pom.xml" -nt "$cp" ] || [ "$runner/src/main/java/rootline/es/Main.java" -nt "$state/classes/rootline/es/Main.class" ]; then
    echo "elasticsearch: resolving Elasticsearch 7.10.2 from Maven Central (cached in ~/.m2)..."
    if ! mvn -q -B -f "$runner/pom.xml" dependency:build-classpath -Dmdep.outputFile="$cp" >"$state/mvn.log" 2>&1; then
      echo "elasticsearch: FAILED to resolve the runner's dependencies (see $state/mvn.log):" >&2
      tail -5 "$state/mvn.log" >&2
      return 1
    fi
    mkdir -p "$state/classes"
    if ! javac -d "$state/classes" -cp "$(cat "$cp")" "$runner/src/main/java/rootline/es/Main.java" >"$state/javac.log" 2>&1; then
      echo "elasticsearch: FAILED to compile the runner (see $state/javac.log)" >&2
      return 1
    fi
  fi

  if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null; sleep 2; fi
  rm -rf "$data"
  nohup java -Xms"$heap" -Xmx"$heap" -Dlog4j2.disable.jmx=true -cp "$state/classes:$(cat "$cp")" rootline.es.Main "$data" "$port" >"$log" 2>&1 &
  echo $! >"$pidfile"
  local i
  for i in $(seq 1 240); do
    if grep -q ROOTLINE_ES_READY "$log" 2>/dev/null && curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "elasticsearch: FAILED: the server exited at start-up (see $log):" >&2
      tail -15 "$log" >&2
      return 1
    fi
    sleep 0.5
  done
  if ! curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1; then
    echo "elasticsearch: FAILED: not answering on 127.0.0.1:$port after 120 s (see $log)" >&2
    return 1
  fi
  export ES_URL="http://127.0.0.1:$port"
  echo "elasticsearch: $(curl -fsS "$ES_URL/" | grep -o '"number" : "[^"]*"') ready at $ES_URL (pid $(cat "$pidfile"))"
}
_rl_es_main
