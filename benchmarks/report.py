"""The report of the side-by-side benchmarks: ratios, a markdown section, a plot, the README.

Why a separate module: the runs produce one results document (``benchmarks/results.json``);
turning it into something a reader can check at a glance (how far each client is from raw
aiohttp, from the ideal under server latency, which goals were met) is pure formatting and
should not need a rerun. Everything here works on the document alone, so the README can be
regenerated from a stored ``results.json``::

    python -m benchmarks.report benchmarks/results.json --plot benchmarks/results.png \\
        --readme benchmarks/README.md

The document, as the runs write it::

    {"command": "python -m benchmarks", "mode": "full" | "quick",
     "machine": {"cpu_count": 2, "python": "3.11.7", "aiohttp": "3.14.5",
                 "event_loop": "...", "orjson_in_use": true, ...},
     "results": [{"scenario": ..., "client": ..., "variant": "", "concurrency": 8,
                  "value": 5241.0, "unit": "ops/s", "ratio_to_raw": 0.37,
                  "rounds": [...], "note": ""}, ...],
     "goals": [{"name": ..., "target": ..., "actual": ..., "met": true | false | null}, ...]}

matplotlib is needed only by :func:`write_plot` and is imported there, so the rest of this
module (and its tests) work without it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

__all__ = [
    "LATENCY_S",
    "RESULTS_END",
    "RESULTS_START",
    "SCENARIO_ORDER",
    "add_ratios",
    "main",
    "markdown_table",
    "update_readme",
    "write_plot",
]

RAW_CLIENT: Final = "raw_aiohttp"
#: The server latency of the ``create_latency50`` scenario, in seconds: at concurrency ``c`` no
#: client can do better than ``c / LATENCY_S`` creates per second.
LATENCY_S: Final = 0.05

SCENARIO_ORDER: Final[tuple[str, ...]] = (
    "create_loopback",
    "create_latency50",
    "iterate_10k",
    "decode_page",
    "bulk_memory",
)
_HEADINGS: Final[Mapping[str, str]] = {
    "create_loopback": "Creates per second, loopback (higher is better)",
    "create_latency50": (
        f"Creates per second, {LATENCY_S * 1000:.0f} ms server latency "
        f"(ideal at c: c / {LATENCY_S:g} s)"
    ),
    "iterate_10k": "Iterating 10,000 invoices, 100 per page (ms, lower is better)",
    "decode_page": "Decode and structure of a 100-invoice page (ms, lower is better)",
    "bulk_memory": "Peak memory of a 100,000-invoice bulk import (MB, lower is better)",
}
#: Scenarios shown as client x concurrency grids; the others as one line per row.
_THROUGHPUT: Final = frozenset({"create_loopback", "create_latency50"})
_CLIENT_ORDER: Final[tuple[str, ...]] = (
    RAW_CLIENT,
    "invoceanio",
    "fakturownia_client",
    "requests_sequential",
)
_CLIENT_LABELS: Final[Mapping[str, str]] = {
    RAW_CLIENT: "raw aiohttp",
    "invoceanio": "invoceanio",
    "fakturownia_client": "fakturownia-client",
    "requests_sequential": "requests, sequential",
}

RESULTS_START: Final = "<!-- results:start -->"
RESULTS_END: Final = "<!-- results:end -->"
_README_HEADING: Final = "## Side-by-side results"

_NA: Final = "n/a"
_MISSING: Final = "—"
_EN_DASH: Final = "\u2013"


# --- ratios ---------------------------------------------------------------------------------


def add_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return copies of ``rows`` with ``ratio_to_raw`` set; ``rows`` is left as it is.

    ``ratio_to_raw = round(value / raw_value, 3)``, where ``raw_value`` is the value of the
    ``raw_aiohttp`` row of the same scenario and the same concurrency (of several such rows,
    the one with variant ``""``, else the first). The raw rows themselves get ``1.0``; a row
    with no raw counterpart, or whose raw value is 0, gets ``None``.

    The division is the same for every unit, so the ratio reads differently by unit: for
    ``ops/s`` higher is better (0.9 = 90% of raw aiohttp's throughput), for ``ms`` and ``MB``
    lower is better (1.2 = 20% slower, or 20% more memory, than raw aiohttp).
    """
    raw: dict[tuple[str, int], float] = {}
    preferred: set[tuple[str, int]] = set()
    for row in rows:
        if row.get("client") != RAW_CLIENT:
            continue
        key = (str(row.get("scenario")), int(row.get("concurrency", 0)))
        if key in preferred:
            continue
        if key not in raw or row.get("variant", "") == "":
            raw[key] = float(row["value"])
            if row.get("variant", "") == "":
                preferred.add(key)

    out: list[dict[str, Any]] = []
    for row in rows:
        new = dict(row)
        if row.get("client") == RAW_CLIENT:
            new["ratio_to_raw"] = 1.0
        else:
            key = (str(row.get("scenario")), int(row.get("concurrency", 0)))
            base = raw.get(key)
            value = float(row["value"])
            if base is None or base == 0 or not math.isfinite(value / base):
                new["ratio_to_raw"] = None
            else:
                new["ratio_to_raw"] = round(value / base, 3)
        out.append(new)
    return out


# --- markdown -------------------------------------------------------------------------------


def _fmt_value(value: Any, unit: str) -> str:
    """A figure to the precision it deserves: ops/s whole, ms to 2 decimals, MB to 1."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return _NA
    if not math.isfinite(value):
        return _NA
    if unit == "ops/s":
        return f"{value:.0f}"
    if unit == "ms":
        return f"{value:.2f}"
    if unit == "MB":
        return f"{value:.1f}"
    return f"{value:.3g}"


def _fmt_ratio(ratio: Any) -> str:
    if not isinstance(ratio, int | float) or isinstance(ratio, bool) or not math.isfinite(ratio):
        return _NA
    return f"{ratio:.2f}x"


def _cell(text: Any) -> str:
    """Text safe inside a markdown table cell: no pipes, no line breaks."""
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _table(header: Sequence[str], body: Iterable[Sequence[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in body)
    return lines


def _series_key(row: Mapping[str, Any]) -> tuple[str, str]:
    return str(row.get("client", "")), str(row.get("variant", "") or "")


def _ordered_series(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(client, variant) pairs: known clients in a fixed order, then others, as they come."""
    seen: list[tuple[str, str]] = []
    for row in rows:
        key = _series_key(row)
        if key not in seen:
            seen.append(key)

    def rank(key: tuple[str, str]) -> int:
        client = key[0]
        return _CLIENT_ORDER.index(client) if client in _CLIENT_ORDER else len(_CLIENT_ORDER)

    return sorted(seen, key=rank)  # stable: variants (and unknown clients) keep their order


def _series_label(key: tuple[str, str], *, code: bool = True) -> str:
    client, variant = key
    label = _CLIENT_LABELS.get(client, client)
    if variant:
        label += f" `{variant}`" if code else f" {variant}"
    return label


def _concurrencies(rows: Iterable[Mapping[str, Any]]) -> list[int]:
    return sorted({int(row.get("concurrency", 0)) for row in rows})


def _machine_line(document: Mapping[str, Any]) -> str:
    machine: Mapping[str, Any] = document.get("machine") or {}

    def fact(key: str) -> str:
        value = machine.get(key)
        return _NA if value is None or value == "" else str(value)

    orjson = machine.get("orjson_in_use")
    orjson_text = _NA if orjson is None else ("in use" if orjson else "not in use")
    parts = [
        f"{fact('cpu_count')} cores",
        f"Python {fact('python')}",
        f"aiohttp {fact('aiohttp')}",
        f"event loop {fact('event_loop')}",
        f"orjson {orjson_text}",
        f"{document.get('mode') or _NA} run",
    ]
    line = "Machine: " + ", ".join(parts) + "."
    command = document.get("command")
    if command:
        line += f" Command: `{command}`."
    return line


def _throughput_table(scenario: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    concurrencies = _concurrencies(rows)
    latency = scenario == "create_latency50"
    by_key: dict[tuple[str, str, int], Mapping[str, Any]] = {}
    for row in rows:
        by_key.setdefault((*_series_key(row), int(row.get("concurrency", 0))), row)

    body: list[list[str]] = []
    if latency:
        body.append(["ideal", *(f"{c / LATENCY_S:.0f}" for c in concurrencies)])
    for series in _ordered_series(rows):
        cells = [_series_label(series)]
        for c in concurrencies:
            found = by_key.get((*series, c))
            if found is None:
                cells.append(_MISSING)
                continue
            value = found.get("value")
            text = _fmt_value(value, str(found.get("unit", "ops/s")))
            extras: list[str] = []
            if latency and c > 0 and isinstance(value, int | float) and math.isfinite(value):
                extras.append(f"{value / (c / LATENCY_S) * 100:.0f}% of ideal")
            extras.append(_fmt_ratio(found.get("ratio_to_raw")))
            cells.append(f"{text} ({', '.join(extras)})")
        body.append(cells)
    table = _table(["client", *(f"c={c}" for c in concurrencies)], body)
    return table + _cpu_table(rows, concurrencies, by_key)


def _cpu_table(
    rows: Sequence[Mapping[str, Any]],
    concurrencies: Sequence[int],
    by_key: Mapping[tuple[str, str, int], Mapping[str, Any]],
) -> list[str]:
    """Client CPU per create (the client process's own time; the server is another process):
    the cleanest view of what each client costs when client and server share the cores."""
    if not any(isinstance(row.get("client_cpu_us_per_op"), int | float) for row in rows):
        return []
    body: list[list[str]] = []
    for series in _ordered_series(rows):
        cells = [_series_label(series)]
        for c in concurrencies:
            cpu = (by_key.get((*series, c)) or {}).get("client_cpu_us_per_op")
            cells.append(f"{cpu:.0f}" if isinstance(cpu, int | float) else _MISSING)
        body.append(cells)
    header = ["client CPU µs per create", *(f"c={c}" for c in concurrencies)]
    return ["", *_table(header, body)]


def _rounds_range(rounds: Any, unit: str) -> str:
    if not isinstance(rounds, list | tuple):
        return _NA
    numbers = [r for r in rounds if isinstance(r, int | float) and not isinstance(r, bool)]
    if not numbers:
        return _NA
    return f"{_fmt_value(min(numbers), unit)}{_EN_DASH}{_fmt_value(max(numbers), unit)}"


def _plain_table(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    order = _ordered_series(rows)
    ordered = sorted(
        rows, key=lambda r: (order.index(_series_key(r)), int(r.get("concurrency", 0)))
    )
    several_c = len(_concurrencies(rows)) > 1
    body: list[list[str]] = []
    for row in ordered:
        unit = str(row.get("unit", ""))
        client = _CLIENT_LABELS.get(str(row.get("client")), str(row.get("client")))
        if several_c:
            client += f" (c={int(row.get('concurrency', 0))})"
        variant = str(row.get("variant", "") or "")
        body.append(
            [
                client,
                f"`{variant}`" if variant else _MISSING,
                _fmt_value(row.get("value"), unit),
                unit or _NA,
                _fmt_ratio(row.get("ratio_to_raw")),
                _rounds_range(row.get("rounds"), unit),
                str(row.get("note", "") or ""),
            ]
        )
    header = [
        "client",
        "variant",
        "value",
        "unit",
        "ratio to raw",
        f"rounds min{_EN_DASH}max",
        "note",
    ]
    return _table(header, body)


def _goals_table(goals: Sequence[Mapping[str, Any]]) -> list[str]:
    def verdict(met: Any) -> str:
        if met is None:
            return _NA
        return "MET" if met else "NOT MET"

    body = [
        [
            str(goal.get("name", "")),
            str(goal.get("target", "")),
            str(goal.get("actual", "")),
            verdict(goal.get("met")),
        ]
        for goal in goals
    ]
    return _table(["goal", "target", "actual", "met"], body)


def _heading(scenario: str, rows: Sequence[Mapping[str, Any]]) -> str:
    """The scenario's heading, with the number of invoices the rows say they measured: a quick
    run imports fewer than 100,000, and its table must not claim otherwise."""
    counts = {row.get("invoices") for row in rows}
    (count,) = counts if len(counts) == 1 else (None,)
    if isinstance(count, int) and not isinstance(count, bool):
        if scenario == "iterate_10k":
            return f"Iterating {count:,} invoices, 100 per page (ms, lower is better)"
        if scenario == "bulk_memory":
            return f"Peak memory of a {count:,}-invoice bulk import (MB, lower is better)"
    return _HEADINGS.get(scenario, scenario)


def markdown_table(document: Mapping[str, Any]) -> str:
    """The results as a markdown section (``###`` headings), ending with a newline.

    A line of machine facts; one table per scenario present, in :data:`SCENARIO_ORDER` (then
    any other scenario, by name); the goals. Throughput scenarios are client x concurrency grids
    whose cells read ``5241 (0.37x)`` (x = ratio to raw aiohttp at the same concurrency; the
    50 ms latency grid also has an ``ideal`` row and the share of it each client reached). The
    other scenarios get one line per row. A missing ratio reads ``n/a``, a client not measured
    at some concurrency ``—``.
    """
    results: Sequence[Mapping[str, Any]] = document.get("results") or []
    by_scenario: dict[str, list[Mapping[str, Any]]] = {}
    for row in results:
        by_scenario.setdefault(str(row.get("scenario", "")), []).append(row)
    extra = sorted(s for s in by_scenario if s not in SCENARIO_ORDER)

    lines = [_machine_line(document)]
    for scenario in (*SCENARIO_ORDER, *extra):
        rows = by_scenario.get(scenario)
        if not rows:
            continue
        lines += ["", f"### {_heading(scenario, rows)}", ""]
        if scenario in _THROUGHPUT:
            lines += _throughput_table(scenario, rows)
        else:
            lines += _plain_table(rows)
    if not by_scenario:
        lines += ["", "No results."]

    goals: Sequence[Mapping[str, Any]] = document.get("goals") or []
    lines += ["", "### Goals", ""]
    lines += _goals_table(goals) if goals else ["No goals recorded."]
    return "\n".join(lines) + "\n"


# --- plot -----------------------------------------------------------------------------------


def write_plot(document: Mapping[str, Any], path: Path) -> None:
    """Write a PNG of the two create scenarios side by side: ops/s against concurrency.

    One line per (client, variant), the same colour in both panels; the latency panel also
    has the ideal ``c / 0.05 s`` as a dashed line. A scenario not in the document is an empty
    panel saying so. Needs matplotlib (imported here, with the non-interactive Agg backend).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator

    results: Sequence[Mapping[str, Any]] = document.get("results") or []
    panels = ("create_loopback", "create_latency50")
    titles = {
        "create_loopback": "Loopback",
        "create_latency50": f"{LATENCY_S * 1000:.0f} ms server latency",
    }
    rows_of = {s: [r for r in results if r.get("scenario") == s] for s in panels}
    all_series = _ordered_series(r for s in panels for r in rows_of[s])
    palette = matplotlib.colormaps["tab10"]
    colours = {key: palette(i % 10) for i, key in enumerate(all_series)}

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    try:
        for ax, scenario in zip(axes, panels, strict=True):
            ax.set_title(titles[scenario])
            rows = rows_of[scenario]
            if not rows:
                ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)
                ax.set_xticks([])
                ax.set_yticks([])
                continue
            concurrencies = _concurrencies(rows)
            if all(c > 0 for c in concurrencies):
                ax.set_xscale("log", base=2)
            for series in _ordered_series(rows):
                points = sorted(
                    (int(r.get("concurrency", 0)), float(r["value"]))
                    for r in rows
                    if _series_key(r) == series
                )
                ax.plot(
                    [p[0] for p in points],
                    [p[1] for p in points],
                    marker="o",
                    color=colours[series],
                    label=_series_label(series, code=False),
                )
            if scenario == "create_latency50":
                ax.plot(
                    concurrencies,
                    [c / LATENCY_S for c in concurrencies],
                    linestyle="--",
                    color="grey",
                    label=f"ideal (c / {LATENCY_S:g} s)",
                )
            ax.xaxis.set_major_locator(FixedLocator([float(c) for c in concurrencies]))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xticklabels([str(c) for c in concurrencies])
            ax.set_xlabel("concurrency")
            ax.set_ylabel("creates/s (higher is better)")
            ax.set_ylim(bottom=0)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize="small")
        machine: Mapping[str, Any] = document.get("machine") or {}
        cores = machine.get("cpu_count", _NA)
        fig.suptitle(f"Invoice creates per second ({cores} cores, {document.get('mode', _NA)} run)")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, format="png")
    finally:
        plt.close(fig)


# --- README ---------------------------------------------------------------------------------


def update_readme(readme: Path, section: str) -> None:
    """Put ``section`` between the ``<!-- results:start -->`` and ``<!-- results:end -->`` lines.

    The markers stay, and so does every byte outside them. Without the markers, a
    ``## Side-by-side results`` heading, the markers and the section are appended. The file is
    written only if its content changes. A start marker without an end marker after it (or the
    other way round) is a ``ValueError``: guessing where the old section ends could eat text.
    """
    text = readme.read_bytes().decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    body = section.strip("\r\n").replace("\r\n", "\n").replace("\n", newline)
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == RESULTS_START]
    ends = [i for i, line in enumerate(lines) if line.strip() == RESULTS_END]

    if not starts and not ends:
        block = newline.join([_README_HEADING, "", RESULTS_START, "", body, "", RESULTS_END])
        head = text.rstrip("\r\n")
        new = (head + newline * 2 if head else "") + block + newline
    else:
        start = starts[0] if starts else -1
        end = next((i for i in ends if i > start), None)
        if start < 0 or end is None:
            raise ValueError(
                f"{readme}: {RESULTS_START!r} and {RESULTS_END!r} must both be there, in order"
            )
        start_line = lines[start]
        if not start_line.endswith(("\n", "\r")):
            start_line += newline
        inner = newline + body + newline + newline if body else newline
        new = "".join([*lines[:start], start_line, inner, *lines[end:]])

    if new != text:
        readme.write_bytes(new.encode("utf-8"))


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.report RESULTS.json [--plot PNG] [--readme README.md]``.

    Prints the markdown section; with ``--plot`` writes the PNG, with ``--readme`` updates the
    README's results section. Ratios missing from the file are computed.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__)
    parser.add_argument("results", type=Path, help="the results JSON (benchmarks/results.json)")
    parser.add_argument("--plot", type=Path, help="write the create throughput PNG here")
    parser.add_argument("--readme", type=Path, help="update the results section of this file")
    args = parser.parse_args(argv)

    document: dict[str, Any] = json.loads(args.results.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = document.get("results") or []
    if any("ratio_to_raw" not in row for row in rows):
        document = {**document, "results": add_ratios(rows)}
    section = markdown_table(document)
    if args.plot is not None:
        write_plot(document, args.plot)
    if args.readme is not None:
        update_readme(args.readme, section)
    sys.stdout.write(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
