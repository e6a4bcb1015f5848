"""Options shared by the subcommands: -W features, --target, --strategy."""
from __future__ import annotations

import argparse

from ..features import IMPLEMENTED, Features
from ..script.adapters import DEFAULT_STRATEGY, DEFAULT_TARGET, STRATEGIES, TARGETS


def add_feature_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-W", dest="features", action="append", default=[], metavar="NAME=y|n",
        help="enable or disable a proposal; may repeat and take comma lists, e.g. "
             "-W legacy-exceptions=y,tail-call=n or -W all-proposals=y. Known: "
             + ", ".join(IMPLEMENTED))


def add_machine_options(parser: argparse.ArgumentParser, allow_all: bool) -> None:
    extra = ("all",) if allow_all else ()
    all_note = "; 'all' runs every one" if allow_all else ""
    parser.add_argument("--target", default=DEFAULT_TARGET, choices=TARGETS + extra,
                        help=f"the modelled native target (default {DEFAULT_TARGET}{all_note})")
    parser.add_argument("--strategy", default=DEFAULT_STRATEGY, choices=STRATEGIES + extra,
                        help=f"the compilation strategy (default {DEFAULT_STRATEGY}{all_note})")


def features_from(args: argparse.Namespace) -> Features:
    """The Features the -W options describe (raises HeronError for an unknown name)."""
    return Features.from_args(args.features)


def configurations(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The (target, strategy) matrix that --target/--strategy select."""
    targets = TARGETS if args.target == "all" else (args.target,)
    strategies = STRATEGIES if args.strategy == "all" else (args.strategy,)
    return [(t, s) for t in targets for s in strategies]
