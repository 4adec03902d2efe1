"""The per-second aggregates rootline computes from an audit log, with pandas: requests by verb and
by status code, and the p99 latency (stageTimestamp - requestReceivedTimestamp, watches excluded),
for ResponseComplete events in the window [FROM, TO).
Run: python3 aggregate.py audit.log FROM TO (ISO-8601, UTC; Debian's python3-pandas)."""
import json
import sys

import pandas as pd

df = pd.read_json(sys.argv[1], lines=True)
df = df[df["stage"] == "ResponseComplete"]
at = pd.to_datetime(df["stageTimestamp"], utc=True)
inside = (at >= pd.Timestamp(sys.argv[2])) & (at < pd.Timestamp(sys.argv[3]))
df, at = df[inside], at[inside]
received = pd.to_datetime(df["requestReceivedTimestamp"], utc=True)
frame = pd.DataFrame(
    {
        "verb": df["verb"].values,
        "code": df["responseStatus"].map(lambda s: s.get("code") if isinstance(s, dict) else None).values,
        "latency_ms": ((at - received).dt.total_seconds() * 1000).values,
    },
    index=pd.DatetimeIndex(at.values),
)
by_verb = pd.get_dummies(frame["verb"]).resample("1s").sum()
by_code = pd.get_dummies(frame["code"]).resample("1s").sum()
p99 = frame.loc[frame["verb"] != "watch", "latency_ms"].resample("1s").quantile(0.99, interpolation="higher")
print(json.dumps({"seconds": int(len(by_verb)), "requests": int(by_verb.to_numpy().sum()), "p99_max_ms": float(p99.max())}))
