"""Options shared by the subcommands: -W (proposals, and for `heron run` the resource
options that take a value), --target, --strategy."""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Callable

from ..errors import HeronError
from ..features import IMPLEMENTED, Features
from ..script.adapters import DEFAULT_STRATEGY, DEFAULT_TARGET, STRATEGIES, TARGETS


@dataclass
class Resources:
    """What `heron run -W NAME=VALUE` bounds (wasmtime run's option names); None: unbounded."""
    fuel: int | None = None               # -W fuel=N: units of fuel (Config.consume_fuel)
    timeout: float | None = None          # -W timeout=DURATION: seconds, through epoch interruption
    max_memory_size: int | None = None    # -W max-memory-size=BYTES: each linear memory
    max_table_elements: int | None = None
    max_instances: int | None = None
    max_tables: int | None = None
    max_memories: int | None = None

    def limits(self) -> dict[str, int]:
        """The Store.set_limits keywords these options ask for."""
        pairs = (("memory_size", self.max_memory_size), ("table_elements", self.max_table_elements),
                 ("instances", self.max_instances), ("tables", self.max_tables), ("memories", self.max_memories))
        return {name: value for name, value in pairs if value is not None}


def parse_count(text: str) -> int:
    """A non-negative integer as wasmtime's flags take it: decimal or 0x hex, '_' ignored."""
    digits = text.replace("_", "")
    value = int(digits[2:], 16) if digits[:2].lower() == "0x" else int(digits, 10) if digits.isdigit() else None
    if value is None or value >= 1 << 64:
        raise ValueError(text)
    return value


_DURATION = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(s|ms|us|\u03bcs|ns)?$")
_UNITS = {None: 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "\u03bcs": 1e-6, "ns": 1e-9}


def parse_duration(text: str) -> float:
    """Seconds from wasmtime's duration syntax: N (seconds), Ns, Nms, Nus, Nns (N may have
    a fraction)."""
    m = _DURATION.match(text.replace("_", ""))
    if m is None:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


# -W options that take a value: name -> (Resources attribute, parser, what the value is, syntax)
VALUE_OPTIONS: dict[str, tuple[str, Callable[[str], float], str, str]] = {
    "fuel": ("fuel", parse_count, "a number of fuel units", "N"),
    "timeout": ("timeout", parse_duration, "a duration", "N (seconds), Ns, Nms, Nus or Nns"),
    "max-memory-size": ("max_memory_size", parse_count, "a number of bytes", "N"),
    "max-table-elements": ("max_table_elements", parse_count, "a number of elements", "N"),
    "max-instances": ("max_instances", parse_count, "a count", "N"),
    "max-tables": ("max_tables", parse_count, "a count", "N"),
    "max-memories": ("max_memories", parse_count, "a count", "N"),
}


def add_feature_option(parser: argparse.ArgumentParser, values: bool = False) -> None:
    """-W; with `values`, also the resource options that take a value (heron run)."""
    extra = ("; and options with a value: fuel=N, timeout=N|Ns|Nms, max-memory-size=BYTES, "
             "max-table-elements=N, max-instances=N, max-tables=N, max-memories=N") if values else ""
    parser.add_argument(
        "-W", dest="features", action="append", default=[], metavar="NAME=VALUE" if values else "NAME=y|n",
        help="enable or disable a proposal; may repeat and take comma lists, e.g. "
             "-W legacy-exceptions=y,tail-call=n or -W all-proposals=y. Known: "
             + ", ".join(IMPLEMENTED) + extra)


def add_machine_options(parser: argparse.ArgumentParser, allow_all: bool) -> None:
    extra = ("all",) if allow_all else ()
    all_note = "; 'all' runs every one" if allow_all else ""
    parser.add_argument("--target", default=DEFAULT_TARGET, choices=TARGETS + extra,
                        help=f"the modelled native target (default {DEFAULT_TARGET}{all_note})")
    parser.add_argument("--strategy", default=DEFAULT_STRATEGY, choices=STRATEGIES + extra,
                        help=f"the compilation strategy (default {DEFAULT_STRATEGY}{all_note})")


def parse_w(specs: list[str] | None, values: bool) -> tuple[Features, Resources]:
    """The proposals and resource bounds the -W options describe. Options that take a value
    are parsed as values (HeronError naming what the value should be); the proposals take
    y or n. Without `values` (commands other than run) a value option is refused."""
    resources = Resources()
    flags: list[str] = []
    for spec in specs or ():
        for item in spec.split(","):
            name, eq, value = item.strip().partition("=")
            name, value = name.strip(), value.strip()
            option = VALUE_OPTIONS.get(name)
            if option is None:
                flags.append(item)
                continue
            if not values:
                raise HeronError(f"-W {name} is an option of heron run")
            attr, parse, what, syntax = option
            if not eq or not value:
                raise HeronError(f"-W {name} takes a value ({what}): -W {name}={syntax.split()[0]}")
            try:
                setattr(resources, attr, parse(value))
            except ValueError:
                raise HeronError(f"bad value '{value}' for -W {name}: expected {what}, {syntax}") from None
    return Features.from_args(flags), resources


def features_from(args: argparse.Namespace) -> Features:
    """The Features the -W options describe (raises HeronError for an unknown name)."""
    return parse_w(args.features, values=False)[0]


def configurations(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The (target, strategy) matrix that --target/--strategy select."""
    targets = TARGETS if args.target == "all" else (args.target,)
    strategies = STRATEGIES if args.strategy == "all" else (args.strategy,)
    return [(t, s) for t in targets for s in strategies]
