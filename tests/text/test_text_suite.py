"""The official suite through the text front end.

* every text module of the required scripts, parsed by Heron and encoded, must be byte-identical
  to what `wasm-tools json-from-wast` produced (Unsupported allowed only for GC/SIMD);
* every `assert_malformed` text/quote module must raise ParseError;
* every other text module (incl. the legacy scripts wasm-tools cannot convert) must parse;
* Heron's malformed messages mostly contain the reference interpreter's wording.
"""
from __future__ import annotations

import pytest

from heron import ParseError, Unsupported
from heron.text.commands import AssertMalformed, ModuleCmd, ModuleSource
from heron.text import load_module, parse_script

import text_roundtrip as roundtrip  # noqa: E402  (tests/text is put on sys.path by conftest.py)


@pytest.fixture(scope="module")
def tally(testsuite_dir):
    if roundtrip.json_from_wast is None:
        pytest.skip("no wasm-tools")
    return roundtrip.run()


def test_text_modules_encode_like_wasm_tools(tally):
    print(f"roundtrip: {tally.passed} identical, {tally.skipped} skipped")
    assert tally.failures == []
    assert tally.passed > 1700


def test_assert_malformed_quote_modules_are_rejected(tally):
    assert tally.malformed_failures == []
    assert tally.malformed_ok > 200


def test_every_required_script_parses_and_its_modules_load(testsuite_dir):
    from testsuite_paths import required_scripts
    loaded = rejected = same_wording = 0
    problems = []
    for path, _flags in required_scripts():
        for cmd in parse_script(path.read_text(), str(path)):
            src = cmd.source if isinstance(cmd, ModuleCmd) else getattr(cmd, "module", None)
            if not isinstance(src, ModuleSource) or src.kind == "binary":
                continue
            try:
                load_module(src)
            except ParseError as e:
                if isinstance(cmd, AssertMalformed):
                    rejected += 1
                    same_wording += cmd.message in e.message
                else:
                    problems.append(f"{path.name}:{cmd.line}: {e}")
            except Unsupported as e:
                if e.feature not in roundtrip.GC_SIMD:
                    problems.append(f"{path.name}:{cmd.line}: {e}")
            else:
                loaded += 1
                if isinstance(cmd, AssertMalformed):
                    problems.append(f"{path.name}:{cmd.line}: malformed module was accepted")
    assert problems == []
    assert loaded > 3500 and rejected > 700
    # Any ParseError passes a malformed command, but users read these: nearly all of the
    # reference interpreter's expected messages should appear in Heron's.
    assert same_wording >= rejected * 95 // 100

