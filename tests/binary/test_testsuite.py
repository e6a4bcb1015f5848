"""Decode/encode every binary module of the official scripts."""
from __future__ import annotations

import collections

import pytest

from heron import DecodeError, Unsupported
from heron.binary import decode, encode

from .suite import binary_modules, commands, written_as_binary

pytestmark = pytest.mark.usefixtures("testsuite_dir")

# Scripts whose modules may legitimately need GC type definitions (rec groups, arrays).
GC_TOLERATED = {"tag", "table_init", "table_init64"}


def _needs_commands():
    if not commands():
        pytest.skip("wasm-tools not available or no script converted")


def test_round_trip_of_every_module():
    _needs_commands()
    stats = collections.Counter()
    failures = []
    for script, cmd, data in binary_modules("module"):
        try:
            module = decode(data)
        except Unsupported as e:
            stats["unsupported"] += 1
            assert e.feature == "gc" and script.stem in GC_TOLERATED, (script.name, cmd["line"], e)
            continue
        if written_as_binary(script, cmd["line"]):
            stats["hand-written binary"] += 1
            # not canonical: only require that our own encoding decodes back to the same bytes
            again = encode(module)
            assert encode(decode(again)) == again, (script.name, cmd["line"])
            continue
        if encode(module) != data:
            failures.append(f"{script.name}:{cmd['line']}")
        stats["round trip"] += 1
    assert not failures, failures
    assert stats["round trip"] > 1500, stats
    assert stats["unsupported"] <= 4, stats


def test_every_binary_assert_malformed_is_a_decode_error():
    _needs_commands()
    matched = total = 0
    for script, cmd, data in binary_modules("assert_malformed"):
        total += 1
        with pytest.raises(DecodeError) as info:
            decode(data)
        assert isinstance(info.value.offset, int), (script.name, cmd["line"])
        # the spec's runner accepts an error whose message starts with the expected text
        matched += info.value.message.startswith(cmd["text"])
    assert total > 600
    assert matched == total, f"{total - matched} messages differ from the spec interpreter's"


def test_binary_assert_invalid_modules_decode():
    _needs_commands()
    count = 0
    for script, cmd, data in binary_modules("assert_invalid"):
        count += 1
        try:
            decode(data)
        except Unsupported as e:
            assert e.feature == "gc", (script.name, cmd["line"], e)
        except DecodeError as e:  # pragma: no cover - would be a decoder bug
            pytest.fail(f"{script.name}:{cmd['line']}: invalid (not malformed) module rejected: {e}")
    assert count > 1000
