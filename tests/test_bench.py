"""The benchmark scripts still run (a tiny practice, few samples); no timings are asserted."""

import json
import subprocess
import sys
from pathlib import Path

from tests import engines

ROOT = Path(__file__).resolve().parent.parent


def test_bench_runs_on_a_tiny_practice(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--clients", "50", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    report = json.loads(out.read_text())
    assert report["machine"]["duckdb"] and report["params"]["clients"] == 50
    results = report["results"]
    assert results["database"]["counts"]["clients"] == 50
    assert results["selection"]["mismatches"] == 0 and results["selection"]["cases"] > 0
    assert {"practice", "demo"} <= results["draft"].keys() and "trivial page" in results["page"]
    assert results["payload"]["input_tokens_p50"] > 0
    assert "Source selection" in done.stdout
    pg = results["postgresql"]
    if engines.SERVER:  # ./dev test's server: the practice copied there, the same selections on both engines
        assert pg["copy"]["verified"] and pg["selection"]["mismatches"] == 0 and pg["selection"]["cases"] > 0
        assert pg["concurrent"]["one process"]["n"] == pg["concurrent"]["two processes"]["n"] > 0
    else:
        assert "no PostgreSQL server" in pg["skipped"]
