"""Every command of a script is counted: Heron's script parser yields the same commands as
wasm-tools' independent reading (`json-from-wast`), and the runner reports each exactly once.

Without this, a parser that silently dropped commands would make `0 failed` meaningless.
"""
from __future__ import annotations

import collections
from pathlib import Path

import pytest

from testsuite_paths import TESTSUITE, json_from_wast, required_scripts, wasm_tools

from heron.features import Features
from heron.script.adapters import NoExecutionAdapter
from heron.text.commands import AssertTrap
from heron.script.runner import command_kind, run_commands
from heron.text import parse_script
from wast_json import commands_from_json

# wasm-tools reads the legacy exception scripts only with a flag json-from-wast lacks.
SCRIPTS = [p for p, flags in required_scripts() if not flags] if TESTSUITE.is_dir() else []


def inventory(commands: list) -> collections.Counter:
    """Command kinds; `assert_trap` on a module is wasm-tools' `assert_uninstantiable`."""
    kinds = collections.Counter()
    for command in commands:
        kind = command_kind(command)
        if isinstance(command, AssertTrap) and command.action is None:
            kind = "assert_uninstantiable"
        kinds[kind] += 1
    return kinds


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_parser_and_runner_account_for_every_command(path: Path, testsuite_dir):
    if wasm_tools() is None:
        pytest.skip("wasm-tools is not installed")
    converted = json_from_wast(path)
    assert converted is not None, f"wasm-tools could not read {path.name}"
    reference = commands_from_json(*converted)
    commands = parse_script(path.read_text(encoding="utf-8"), str(path))
    assert inventory(commands) == inventory(reference)
    result = run_commands(commands, NoExecutionAdapter(), Features(), str(path))
    assert result.passed + result.failed + result.skipped == len(commands)
