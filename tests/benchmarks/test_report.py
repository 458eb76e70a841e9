"""benchmarks/report.py: ratios, the markdown section, the plot and the README update.

Only the plot test needs matplotlib; report.py imports it lazily, so the rest runs without.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from benchmarks.report import (
    RESULTS_END,
    RESULTS_START,
    add_ratios,
    main,
    markdown_table,
    update_readme,
    write_plot,
)

DASH = "\u2013"  # the en dash between the min and the max of the rounds


def _row(
    scenario: str,
    client: str,
    value: float,
    *,
    concurrency: int = 1,
    variant: str = "",
    unit: str = "ops/s",
    rounds: list[float] | None = None,
    note: str = "",
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "client": client,
        "variant": variant,
        "concurrency": concurrency,
        "value": value,
        "unit": unit,
        "ratio_to_raw": None,
        "rounds": rounds if rounds is not None else [value],
        "note": note,
    }


def _document() -> dict[str, Any]:
    rows = [
        _row("create_loopback", "raw_aiohttp", 2000.0, concurrency=1),
        _row("create_loopback", "raw_aiohttp", 14000.0, concurrency=8),
        _row("create_loopback", "invoceanio", 1500.0, concurrency=1, variant="create"),
        _row("create_loopback", "invoceanio", 5241.0, concurrency=8, variant="create"),
        _row("create_loopback", "invoceanio", 9000.0, concurrency=8, variant="create_many"),
        _row("create_loopback", "fakturownia_client", 300.0, concurrency=1),
        _row("create_latency50", "raw_aiohttp", 19.8, concurrency=1),
        _row("create_latency50", "raw_aiohttp", 630.0, concurrency=32),
        _row("create_latency50", "invoceanio", 19.5, concurrency=1, variant="create"),
        _row("create_latency50", "invoceanio", 612.0, concurrency=32, variant="create"),
        _row("create_latency50", "requests_sequential", 19.0, concurrency=1),
        _row(
            "decode_page",
            "raw_aiohttp",
            2.0,
            variant="json",
            unit="ms",
            rounds=[1.9, 2.0, 2.4],
        ),
        _row(
            "decode_page",
            "invoceanio",
            3.456,
            variant="json",
            unit="ms",
            rounds=[3.2, 3.456, 4.1],
            note="orjson | cattrs",
        ),
        _row("bulk_memory", "invoceanio", 123.456, unit="MB", rounds=[120.0, 130.04]),
    ]
    return {
        "command": "python -m benchmarks",
        "mode": "full",
        "machine": {
            "cpu_count": 2,
            "python": "3.11.7",
            "aiohttp": "3.14.5",
            "event_loop": "_UnixSelectorEventLoop",
            "orjson_in_use": True,
        },
        "results": add_ratios(rows),
        "goals": [
            {"name": "creates c=8", "target": ">= 0.9x raw", "actual": "0.37x", "met": False},
            {"name": "memory", "target": "<= 200 MB", "actual": "123.5 MB", "met": True},
            {"name": "iterate", "target": "<= 1.1x raw", "actual": "n/a", "met": None},
        ],
    }


def _by(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


# --- add_ratios -----------------------------------------------------------------------------


def test_ratios_match_scenario_and_concurrency() -> None:
    rows = _document()["results"]
    assert _by(rows, scenario="create_loopback", client="invoceanio", concurrency=1)[
        "ratio_to_raw"
    ] == pytest.approx(0.75)
    # 5241 / 14000, not / 2000 (the c=1 raw row)
    assert _by(rows, scenario="create_loopback", variant="create", concurrency=8)[
        "ratio_to_raw"
    ] == round(5241 / 14000, 3)
    assert _by(rows, scenario="create_loopback", variant="create_many")["ratio_to_raw"] == round(
        9000 / 14000, 3
    )
    assert _by(rows, scenario="decode_page", client="invoceanio")["ratio_to_raw"] == round(
        3.456 / 2.0, 3
    )


def test_raw_rows_get_one() -> None:
    rows = _document()["results"]
    raw = [r for r in rows if r["client"] == "raw_aiohttp"]
    assert raw
    assert all(r["ratio_to_raw"] == 1.0 for r in raw)


def test_no_cross_scenario_or_missing_raw() -> None:
    rows = add_ratios(
        [
            _row("create_loopback", "raw_aiohttp", 1000.0, concurrency=1),
            # same concurrency, other scenario: must not use the loopback raw row
            _row("create_latency50", "invoceanio", 19.0, concurrency=1),
            # same scenario, a concurrency raw was not measured at
            _row("create_loopback", "invoceanio", 500.0, concurrency=32),
        ]
    )
    assert rows[1]["ratio_to_raw"] is None
    assert rows[2]["ratio_to_raw"] is None
    assert (
        add_ratios(
            [
                _row("bulk_memory", "raw_aiohttp", 0.0, unit="MB"),
                _row("bulk_memory", "invoceanio", 100.0, unit="MB"),
            ]
        )[1]["ratio_to_raw"]
        is None
    )


def test_several_raw_rows_prefer_blank_variant() -> None:
    rows = add_ratios(
        [
            _row("decode_page", "raw_aiohttp", 4.0, variant="stdlib", unit="ms"),
            _row("decode_page", "raw_aiohttp", 2.0, variant="", unit="ms"),
            _row("decode_page", "invoceanio", 3.0, variant="json", unit="ms"),
            _row("iterate_10k", "raw_aiohttp", 10.0, variant="a", unit="ms"),
            _row("iterate_10k", "raw_aiohttp", 20.0, variant="b", unit="ms"),
            _row("iterate_10k", "invoceanio", 15.0, unit="ms"),
        ]
    )
    assert rows[2]["ratio_to_raw"] == 1.5  # against the "" raw row
    assert rows[5]["ratio_to_raw"] == 1.5  # against the first raw row


def test_add_ratios_leaves_input_alone() -> None:
    rows = [
        _row("create_loopback", "raw_aiohttp", 1000.0),
        _row("create_loopback", "invoceanio", 500.0),
    ]
    before = copy.deepcopy(rows)
    out = add_ratios(rows)
    assert rows == before
    assert out[1]["ratio_to_raw"] == 0.5


# --- markdown_table -------------------------------------------------------------------------


def test_table_machine_line_and_order() -> None:
    text = markdown_table(_document())
    first = text.splitlines()[0]
    for fact in ("2 cores", "Python 3.11.7", "aiohttp 3.14.5", "_UnixSelectorEventLoop"):
        assert fact in first
    assert "orjson in use" in first
    assert "full run" in first
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [
        "### Creates per second, loopback (higher is better)",
        "### Creates per second, 50 ms server latency (ideal at c: c / 0.05 s)",
        "### Decode and structure of a 100-invoice page (ms, lower is better)",
        "### Peak memory of a 100,000-invoice bulk import (MB, lower is better)",
        "### Goals",
    ]
    assert text.endswith("\n")


def test_table_throughput_cells() -> None:
    text = markdown_table(_document())
    lines = text.splitlines()
    assert "| client | c=1 | c=8 |" in lines
    assert "| raw aiohttp | 2000 (1.00x) | 14000 (1.00x) |" in lines
    assert "| invoceanio `create` | 1500 (0.75x) | 5241 (0.37x) |" in lines
    # measured at c=8 only, and a client measured at c=1 only
    assert "| invoceanio `create_many` | — | 9000 (0.64x) |" in lines
    assert "| fakturownia-client | 300 (0.15x) | — |" in lines


def test_table_latency_has_ideal() -> None:
    lines = markdown_table(_document()).splitlines()
    assert "| client | c=1 | c=32 |" in lines
    assert "| ideal | 20 | 640 |" in lines
    assert "| invoceanio `create` | 20 (98% of ideal, 0.98x) | 612 (96% of ideal, 0.97x) |" in (
        lines
    )
    assert "| requests, sequential | 19 (95% of ideal, 0.96x) | — |" in lines


def test_table_plain_scenarios() -> None:
    lines = markdown_table(_document()).splitlines()
    header = f"| client | variant | value | unit | ratio to raw | rounds min{DASH}max | note |"
    assert header in lines
    assert f"| raw aiohttp | `json` | 2.00 | ms | 1.00x | 1.90{DASH}2.40 |  |" in lines
    # the pipe in the note is escaped, so the row keeps its columns
    noted = f"| invoceanio | `json` | 3.46 | ms | 1.73x | 3.20{DASH}4.10 | orjson \\| cattrs |"
    assert noted in lines
    assert f"| invoceanio | — | 123.5 | MB | n/a | 120.0{DASH}130.0 |  |" in lines


def test_table_goals() -> None:
    lines = markdown_table(_document()).splitlines()
    assert "| goal | target | actual | met |" in lines
    assert "| creates c=8 | >= 0.9x raw | 0.37x | NOT MET |" in lines
    assert "| memory | <= 200 MB | 123.5 MB | MET |" in lines
    assert "| iterate | <= 1.1x raw | n/a | n/a |" in lines


def test_table_survives_missing_parts() -> None:
    document = _document()
    document["results"] = add_ratios(
        [
            r
            for r in document["results"]
            if r["scenario"] != "create_latency50" and r["client"] != "raw_aiohttp"
        ]
    )
    text = markdown_table(document)
    assert "50 ms server latency" not in text
    assert "raw aiohttp" not in text
    assert "| invoceanio `create` | 1500 (n/a) | 5241 (n/a) |" in text.splitlines()

    bare = markdown_table({"results": [_row("iterate_10k", "invoceanio", 812.5, unit="ms")]})
    assert "Iterating 10,000 invoices, 100 per page (ms, lower is better)" in bare
    assert f"| invoceanio | — | 812.50 | ms | n/a | 812.50{DASH}812.50 |  |" in bare.splitlines()
    assert "n/a cores" in bare
    assert "No goals recorded." in bare

    empty = markdown_table({})
    assert "No results." in empty


def test_table_ratio_key_absent_and_empty_rounds() -> None:
    row = _row("bulk_memory", "invoceanio", 50.0, unit="MB", rounds=[])
    del row["ratio_to_raw"]
    del row["note"]
    lines = markdown_table({"results": [row]}).splitlines()
    assert "| invoceanio | — | 50.0 | MB | n/a | n/a |  |" in lines


# --- write_plot -----------------------------------------------------------------------------


def test_plot_writes_png(tmp_path: Path) -> None:
    path = tmp_path / "plots" / "results.png"
    write_plot(_document(), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # a scenario missing: an empty panel, no crash
    document = _document()
    document["results"] = [r for r in document["results"] if r["scenario"] != "create_loopback"]
    write_plot(document, tmp_path / "partial.png")
    assert (tmp_path / "partial.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    write_plot({}, tmp_path / "empty.png")
    assert (tmp_path / "empty.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- update_readme --------------------------------------------------------------------------


def test_readme_replaces_between_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    before = "# Title\n\nintro\n\n"
    after = "\n## Later\n\nkept\n"
    readme.write_text(f"{before}{RESULTS_START}\nold table\nmore old\n{RESULTS_END}{after}")
    update_readme(readme, "new section\n")
    text = readme.read_text()
    assert text == f"{before}{RESULTS_START}\n\nnew section\n\n{RESULTS_END}{after}"
    assert "old table" not in text

    update_readme(readme, "newer")  # again: still one pair of markers
    text = readme.read_text()
    assert text.count(RESULTS_START) == 1
    assert text.count(RESULTS_END) == 1
    assert "newer" in text
    assert "new section" not in text
    assert text.startswith(before)
    assert text.endswith(after)


def test_readme_appends_without_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n\nsome text\n")
    update_readme(readme, "the section")
    text = readme.read_text()
    assert text.startswith("# Title\n\nsome text\n\n## Side-by-side results\n")
    assert text.endswith(f"{RESULTS_START}\n\nthe section\n\n{RESULTS_END}\n")
    # a second update replaces instead of appending again
    update_readme(readme, "the section, again")
    text = readme.read_text()
    assert text.count("## Side-by-side results") == 1
    assert "the section, again" in text


def test_readme_not_rewritten_when_unchanged(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"x\n{RESULTS_START}\n\nsame\n\n{RESULTS_END}\ny\n")
    readme.chmod(0o444)  # a write would fail
    try:
        update_readme(readme, "same")
    finally:
        readme.chmod(0o644)


def test_readme_keeps_crlf(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_bytes(f"a\r\n{RESULTS_START}\r\nold\r\n{RESULTS_END}\r\nb\r\n".encode())
    update_readme(readme, "one\ntwo\n")
    assert readme.read_bytes() == (
        f"a\r\n{RESULTS_START}\r\n\r\none\r\ntwo\r\n\r\n{RESULTS_END}\r\nb\r\n".encode()
    )


def test_readme_lone_marker_is_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"a\n{RESULTS_START}\nb\n")
    with pytest.raises(ValueError, match="results:end"):
        update_readme(readme, "x")
    assert readme.read_text() == f"a\n{RESULTS_START}\nb\n"


# --- main -----------------------------------------------------------------------------------


def test_main_prints_and_updates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    document = _document()
    for row in document["results"]:
        del row["ratio_to_raw"]  # main computes missing ratios
    results = tmp_path / "results.json"
    results.write_text(json.dumps(document))
    readme = tmp_path / "README.md"
    readme.write_text("# Bench\n")
    assert main([str(results), "--readme", str(readme)]) == 0
    out = capsys.readouterr().out
    assert "| invoceanio `create` | 1500 (0.75x) | 5241 (0.37x) |" in out
    assert out.strip() in readme.read_text()


def test_table_shows_client_cpu_per_create_when_measured() -> None:
    document = _document()
    assert "client CPU µs per create" not in markdown_table(document)
    for row in document["results"]:
        if row["scenario"] == "create_loopback" and row["concurrency"] == 8:
            row["client_cpu_us_per_op"] = 70.4 if row["client"] == "raw_aiohttp" else 191.2
    text = markdown_table(document)
    assert "| client CPU µs per create | c=1 | c=8 |" in text
    assert "| raw aiohttp | — | 70 |" in text
    assert "| invoceanio `create` | — | 191 |" in text


def test_headings_say_how_many_invoices_the_rows_measured() -> None:
    document = _document()
    document["results"] = [r for r in document["results"] if r["scenario"] != "bulk_memory"] + [
        {**_row("bulk_memory", "raw_aiohttp", 45.0, unit="MB"), "invoices": 5000},
        {**_row("bulk_memory", "invoceanio", 45.4, unit="MB"), "invoices": 5000},
    ]
    text = markdown_table(document)
    assert "### Peak memory of a 5,000-invoice bulk import (MB, lower is better)" in text
    assert "100,000" not in text
