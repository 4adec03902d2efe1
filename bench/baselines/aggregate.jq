# The per-second aggregates rootline computes from an audit log, in jq: requests by verb and by
# status code, and the p99 latency (stageTimestamp - requestReceivedTimestamp, watches excluded,
# nearest rank), for ResponseComplete events in the window [from, to) (whole seconds, UTC).
# Run: jq -n -c --arg from 2026-09-16T07:58:05Z --arg to 2026-09-16T08:08:05Z -f aggregate.jq audit.log
def ms: (.[0:19] + "Z" | fromdateiso8601) * 1000 + (.[19:-1] | if . == "" then 0 else ("0" + .) | tonumber * 1000 end);
($from[0:19]) as $lo | ($to[0:19]) as $hi
| reduce (inputs | select(.stage == "ResponseComplete" and .stageTimestamp[0:19] >= $lo and .stageTimestamp[0:19] < $hi)) as $e ({};
  ($e.stageTimestamp[0:19]) as $s
  | .[$s].n += 1
  | .[$s].verb[$e.verb] += 1
  | .[$s].code[($e.responseStatus.code // 0) | tostring] += 1
  | if $e.verb == "watch" then . else .[$s].lat += [($e.stageTimestamp | ms) - ($e.requestReceivedTimestamp | ms)] end)
| map_values({n, verb, code, p99: (if .lat then (.lat | sort | .[((length * 0.99) | ceil) - 1]) else null end)})
| {seconds: length, requests: (map(.n) | add)}
