"""benchmarks/compare_commits.py: the medians and ratios of an interleaved A/B (no timing)."""

from __future__ import annotations

from benchmarks.compare_commits import summarise


def test_medians_and_ratios_to_the_first_variant() -> None:
    samples = {
        "raw": [
            {"ops": 1000.0, "cpu": 100.0},
            {"ops": 3000.0, "cpu": 90.0},
            {"ops": 2000.0, "cpu": 95.0},
        ],
        "sdk": [
            {"ops": 500.0, "cpu": 300.0},
            {"ops": 900.0, "cpu": 250.0},
            {"ops": 800.0, "cpu": 260.0},
        ],
    }
    rows = {row["variant"]: row for row in summarise(samples, "raw")}
    assert rows["raw"] == {
        "variant": "raw",
        "ops_per_s": 2000.0,
        "ratio": 1.0,
        "cpu_us_per_op": 95.0,
        "rounds": 3,
    }
    assert rows["sdk"]["ops_per_s"] == 800.0
    assert rows["sdk"]["ratio"] == 0.4
    assert rows["sdk"]["cpu_us_per_op"] == 260.0
