"""`heron wast` — run WAST conformance scripts and report passed / failed / skipped commands."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from ..script.adapters import NoExecutionAdapter, default_adapter_factory
from ..script.runner import ScriptResult, run_script
from .inputs import read_text
from .options import add_feature_option, add_machine_options, configurations, features_from

DESCRIPTION = """\
Run WAST scripts. Every command counts as passed, failed or skipped; a skipped
command names its reason (e.g. "execution" while Heron cannot run code yet, or
"unsupported: simd"). Prints one summary line per file, the failures, and last
the totals as exactly "N passed, M failed, K skipped". Exit status 1 if anything
failed.

--json PATH writes {"files": {KEY: {"passed", "failed", "skipped", "by_kind":
{KIND: {"passed", "failed", "skipped"}}, "failures": [{"line", "kind",
"message"}], "skip_reasons": {REASON: n}}}}. KEY is the FILE as given when one
configuration runs, and "FILE [TARGET/STRATEGY]" (e.g. "i32.wast
[aarch64/baseline]") when --target all or --strategy all runs a matrix. KIND is
the command name (module, register, assert_return, assert_trap, ...), "invoke"
or "get" for a bare action, and "script" when the script itself fails to parse.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("wast", help="run WAST conformance scripts", description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_feature_option(parser)
    add_machine_options(parser, allow_all=True)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--check-only", action="store_true",
                        help="parse, decode and validate only: count commands that need execution as "
                             "skipped (reason \"execution\") even when Heron can execute")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="fail a command that runs longer than SECONDS (message 'timeout: ...'); "
                             "default: no limit")
    parser.add_argument("--max-failures", type=int, default=20, metavar="N",
                        help="print at most N failures per file and configuration (0: all; default 20)")
    parser.add_argument("files", nargs="+", metavar="FILE", help="WAST scripts")
    parser.set_defaults(handler=main)


def no_execution_factory(target: str, strategy: str, features) -> NoExecutionAdapter:
    return NoExecutionAdapter()


class Progress:
    """A live 'file i/n, command j/m' line on a TTY; on a pipe, a line every 30 seconds."""

    def __init__(self, stream: TextIO, total_files: int):
        self.stream = stream
        self.live = stream.isatty()
        self.total_files = total_files
        self.file_index = 0
        self.name = ""
        self.last = time.monotonic()
        self.started = self.last
        self.shown = False

    def start_file(self, index: int, name: str) -> None:
        self.file_index, self.name = index, name

    def __call__(self, command: int, total: int) -> None:
        now = time.monotonic()
        interval = 0.25 if self.live else 30.0
        if now - self.last < interval:
            return
        self.last = now
        text = f"[{self.file_index + 1}/{self.total_files}] {self.name}: command {command + 1}/{total}"
        if self.live:
            self.stream.write("\r\x1b[K" + text)
            self.shown = True
        else:
            self.stream.write(f"heron wast: still running ({now - self.started:.0f}s) {text}\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.live and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _counts(passed: int, failed: int, skipped: int) -> str:
    return f"{passed} passed, {failed} failed, {skipped} skipped"


def report_file(name: str, results: list[ScriptResult], out: TextIO, max_failures: int) -> None:
    """One summary line for the file; a line per configuration for a matrix; then its failures."""
    matrix = len(results) > 1
    out.write(f"{name}: " + _counts(sum(r.passed for r in results), sum(r.failed for r in results),
                                     sum(r.skipped for r in results)) + "\n")
    for r in results:
        if matrix:
            out.write(f"  [{r.config}] {_counts(r.passed, r.failed, r.skipped)}\n")
        shown = r.failures if max_failures <= 0 else r.failures[:max_failures]
        tag = f" [{r.config}]" if matrix else ""
        if r.skip_reasons:
            reasons = ", ".join(f"{reason} ({n})" for reason, n in sorted(r.skip_reasons.items()))
            out.write(f"    skip reasons{tag}: {reasons}\n")
        for f in shown:
            message = f.message.replace("\n", "\n      ")
            out.write(f"    {name}:{f.line}:{tag} {f.kind}: {message}\n")
        if len(r.failures) > len(shown):
            out.write(f"    ... and {len(r.failures) - len(shown)} more failures{tag} (all of them with --json)\n")


def json_key(name: str, result: ScriptResult, matrix: bool) -> str:
    return f"{name} [{result.config}]" if matrix else name


def main(args: argparse.Namespace) -> int:
    features = features_from(args)
    configs = configurations(args)
    matrix = len(configs) > 1
    for name in args.files:     # every input readable as a script, or one error line
        read_text(name)
    factory = no_execution_factory if args.check_only else default_adapter_factory()
    progress = Progress(sys.stderr, len(args.files))
    out = sys.stdout
    files_json: dict[str, dict] = {}
    totals = [0, 0, 0]
    for index, name in enumerate(args.files):
        progress.start_file(index, name)
        results = run_script(Path(name), features, configs, adapter_factory=factory, progress=progress,
                             label=name, timeout=args.timeout)
        progress.clear()
        report_file(name, results, out, args.max_failures)
        out.flush()
        for r in results:
            totals[0] += r.passed
            totals[1] += r.failed
            totals[2] += r.skipped
            key = json_key(name, r, matrix)
            if key in files_json:           # the same file given twice
                key += f" #{sum(k.startswith(key) for k in files_json) + 1}"
            files_json[key] = r.to_json()
    if args.json:
        Path(args.json).write_text(json.dumps({"files": files_json}, indent=2) + "\n")
    out.write(_counts(*totals) + "\n")
    return 1 if totals[1] else 0
