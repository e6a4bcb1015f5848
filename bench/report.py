"""Plain-text tables of the results (pipe tables: readable in a terminal and in Markdown)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .workloads import Workload


@dataclass
class Cell:
    """What one engine did on one workload: timings, or the reason it could not run."""

    engine: str
    size: int | None = None
    times: list[float] = field(default_factory=list)
    reason: str | None = None       # set when n/a
    count: int | None = None        # Wasm instructions one call executes (fuel)
    count_is_proxy: bool = False

    @property
    def ok(self) -> bool:
        return self.reason is None and bool(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def spread(self) -> str:
        """(slowest - fastest) / median of the timed reps: how much to trust the median."""
        if len(self.times) < 2:
            return "-"
        return f"{(max(self.times) - min(self.times)) / self.median * 100:.0f}%"

    @property
    def minstr_per_s(self) -> float | None:
        if not self.ok or not self.count:
            return None
        return self.count / self.median / 1e6


def fmt_seconds(t: float) -> str:
    if t >= 1:
        return f"{t:.3f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.1f} ms"
    return f"{t * 1e6:.1f} us"


def fmt_num(x: float) -> str:
    """Three significant digits, no exponent for everyday magnitudes."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def fmt_ratio(x: float) -> str:
    return f"{fmt_num(x)}x"


def na(cell: Cell) -> str:
    return f"n/a: {cell.reason}" if cell.reason else "n/a"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def workload_table(workloads: list[Workload], cells: dict[str, dict[str, Cell]],
                   engines: list[str], peers: list[str]) -> str:
    """workload, engine, arguments, median time, M instr/s, throughput ratio vs each peer."""
    header = ["workload", "engine", "call", "median", "spread", "M instr/s"] + [f"vs {p}" for p in peers]
    rows = []
    for w in workloads:
        for name in engines:
            c = cells[w.name][name]
            if not c.ok:
                rows.append([w.name, name, "", na(c), "", ""] + [""] * len(peers))
                continue
            rate = c.minstr_per_s
            rate_text = "?" if rate is None else ("~" if c.count_is_proxy else "") + fmt_num(rate)
            ratios = []
            for p in peers:
                other = cells[w.name].get(p)
                if p == name or other is None or rate is None or other.minstr_per_s is None:
                    ratios.append("")
                else:
                    ratios.append(fmt_ratio(rate / other.minstr_per_s))
            rows.append([w.name, name, w.args_text(c.size), fmt_seconds(c.median), c.spread, rate_text] + ratios)
    return table(header, rows)


def exception_table(cells: dict[str, dict[str, Cell]], engines: list[str]) -> str:
    """Throws per second, and what a throw costs against returning through the same frames."""
    def per_iter(name: str, workload: str) -> float | None:
        c = cells.get(workload, {}).get(name)
        return c.median / c.size if c is not None and c.ok else None

    def cell_text(workload: str, name: str) -> str:
        return "n/a" if workload in cells else "-"  # the reason is in the workload table

    header = ["engine", "exc throws/s", "exc_legacy throws/s", "nothrow us/iter",
              "throw/return (exc)", "throw/return (legacy)", "maythrow/nothrow"]
    rows = []
    for name in engines:
        nothrow = per_iter(name, "exc_nothrow")
        row = [name]
        for wl in ("exc", "exc_legacy"):
            t = per_iter(name, wl)
            row.append(f"{fmt_num(1 / t)}" if t else cell_text(wl, name))
        row.append(f"{nothrow * 1e6:.2f}" if nothrow else cell_text("exc_nothrow", name))
        for wl in ("exc", "exc_legacy", "exc_maythrow"):
            t = per_iter(name, wl)
            selected = wl in cells and "exc_nothrow" in cells
            row.append(fmt_ratio(t / nothrow) if t and nothrow else ("n/a" if selected else "-"))
        rows.append(row)
    return table(header, rows)


def call_table(calls: dict[str, Cell], engines: list[str]) -> str:
    header = ["engine", "us per host->Wasm call", "calls timed"]
    rows = []
    for name in engines:
        c = calls[name]
        if c.ok:
            rows.append([name, f"{c.median / c.size * 1e6:.2f}", f"{c.size:,}"])
        else:
            rows.append([name, na(c), ""])
    return table(header, rows)
