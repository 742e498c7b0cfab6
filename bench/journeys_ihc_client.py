"""Bench (not a test): journeys/s through the IHC client against a local IHC server with 50 ms latency,
sequential (the challenge seed's loop: one request after the other) vs bounded concurrency, in one run.

    /tmp/probe-venv/bin/python bench/journeys_ihc_client.py [--latency 0.05] [--concurrency 1 4 8] [--repeat 3]

The payload is the challenge's real journeys (../shared/data/external/ihc-attribution-journeys/
customer_journeys.json: 1,940 journeys, 3,703 sessions), batched at <= 100 journeys and <= 199 sessions
a request (the seed's 199). The server is tests/ihc_server.py (same contract, a fixed latency per request).
Every conversion must come back scored exactly once in every configuration.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from ihc_server import IHCServer  # noqa: E402

from resources.ihc import IHCClient  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "external" / "ihc-attribution-journeys" / "customer_journeys.json"
KEY = "bench-key"


def journeys() -> list[list[dict]]:
    by_conv: dict[str, list[dict]] = defaultdict(list)
    for r in json.loads(DATA.read_text()):
        by_conv[r["conversion_id"]].append(dict(r))
    out = []
    for sessions in by_conv.values():
        sessions.sort(key=lambda r: (r["timestamp"], r["session_id"]))
        for i, s in enumerate(sessions):
            s["conversion"] = int(i == len(sessions) - 1)  # the file's flags are all 0 (a known defect)
        out.append(sessions)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-journeys", type=int, default=100)
    parser.add_argument("--max-sessions", type=int, default=199)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"sample data {DATA} is absent", file=sys.stderr)
        return 2
    payload = journeys()
    sessions = sum(map(len, payload))
    print(
        f"{len(payload)} journeys, {sessions} sessions; latency {args.latency * 1000:.0f} ms per request; "
        f"batches <= {args.max_journeys} journeys / <= {args.max_sessions} sessions"
    )
    results = {}
    for concurrency in args.concurrency:
        times = []
        for _ in range(args.repeat):
            with IHCServer(KEY, latency=args.latency) as server:
                client = IHCClient(
                    KEY,
                    "bench",
                    server.url,
                    max_journeys=args.max_journeys,
                    max_sessions=args.max_sessions,
                    concurrency=concurrency,
                    log=lambda _: None,
                )
                started = time.perf_counter()
                result = client.score(payload)
                times.append(time.perf_counter() - started)
                scored = Counter(server.scored_conversions())
            assert not result.failures and len(scored) == len(payload) and set(scored.values()) == {1}
        median = statistics.median(times)
        results[concurrency] = median
        label = "sequential (seed loop)" if concurrency == 1 else f"concurrency {concurrency}"
        print(
            f"{label:<24} {result.batches:>3} requests  median {median:6.3f} s  {len(payload) / median:8.0f} journeys/s"
        )
    if 1 in results:
        best = min(results, key=results.get)
        print(f"speed-up of concurrency {best} over sequential: {results[1] / results[best]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
