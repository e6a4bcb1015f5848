"""`heron run -W fuel=N / timeout=DURATION / max-memory-size=BYTES` (wasmtime's names), and
-W options that take a value parsed as values, with errors that say what value is wanted."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from heron.cli.options import parse_count, parse_duration, parse_w
from heron.errors import HeronError

MODULE = str(Path(__file__).parent / "data" / "resources.wat")


def heron_run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "heron.cli.main", "run", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_fuel_bounds_the_program():
    # count(n) costs 13 + 12 n fuel (Wasmtime's count): n = 5 fits in 100, n = 50 does not
    ok = heron_run("-W", "fuel=100", "--invoke", "count", MODULE, "5")
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "5\n", "")
    out = heron_run("-W", "fuel=100", "--invoke", "count", MODULE, "50")
    assert out.returncode == 134
    assert "wasm trap: all fuel consumed" in out.stderr and "Traceback" not in out.stderr


def test_timeout_interrupts_an_infinite_loop():
    start = time.monotonic()
    proc = heron_run("-W", "timeout=200ms", "--invoke", "spin", MODULE)
    assert proc.returncode == 134
    assert "wasm trap: interrupt" in proc.stderr and "Traceback" not in proc.stderr
    assert time.monotonic() - start < 30


def test_timeout_leaves_a_short_run_alone():
    proc = heron_run("-W", "timeout=60", "--invoke", "count", MODULE, "5")
    assert (proc.returncode, proc.stdout) == (0, "5\n")


def test_max_memory_size_makes_grow_fail():
    assert heron_run("-W", "max-memory-size=131072", "--invoke", "grow", MODULE, "1").stdout == "1\n"
    assert heron_run("-W", "max-memory-size=131072", "--invoke", "grow", MODULE, "2").stdout == "-1\n"


def test_value_options_combine_with_proposals():
    proc = heron_run("-W", "fuel=1_000,tail-call=n,max-memory-size=0x20000", "--invoke", "count", MODULE, "5")
    assert (proc.returncode, proc.stdout) == (0, "5\n")


@pytest.mark.parametrize("option, message", [
    ("fuel=abc", "bad value 'abc' for -W fuel: expected a number of fuel units, N"),
    ("fuel", "-W fuel takes a value (a number of fuel units): -W fuel=N"),
    ("fuel=-3", "bad value '-3' for -W fuel"),
    ("timeout=1h", "bad value '1h' for -W timeout: expected a duration, N (seconds), Ns, Nms, Nus or Nns"),
    ("max-memory-size=lots", "bad value 'lots' for -W max-memory-size: expected a number of bytes, N"),
    ("tail-call=maybe", "bad value 'maybe' for -W tail-call: use y or n"),
    ("nosuch=3", "unknown wasm feature 'nosuch'"),
])
def test_bad_values_are_one_clear_line(option, message):
    proc = heron_run("-W", option, MODULE)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"heron run: error: {message}")
    assert len(proc.stderr.strip().splitlines()) == 1 and "use y or n" not in proc.stderr or "tail-call" in option


def test_value_options_are_not_use_y_or_n():
    for option in ("fuel=10", "timeout=2s", "max-memory-size=65536"):
        features, resources = parse_w([option], values=True)
        assert resources.fuel == 10 or resources.timeout == 2.0 or resources.max_memory_size == 65536
    with pytest.raises(HeronError, match="is an option of heron run"):
        parse_w(["fuel=10"], values=False)


def test_number_and_duration_syntax():
    assert parse_count("1_000") == 1000 and parse_count("0x20000") == 131072
    assert parse_count(str((1 << 64) - 1)) == (1 << 64) - 1
    for bad in ("", "-1", "1e3", str(1 << 64), "0x"):
        with pytest.raises(ValueError):
            parse_count(bad)
    assert parse_duration("2") == 2.0 and parse_duration("2s") == 2.0
    assert parse_duration("150ms") == pytest.approx(0.15) and parse_duration("0.5") == 0.5
    assert parse_duration("10us") == pytest.approx(1e-5) and parse_duration("7ns") == pytest.approx(7e-9)
    for bad in ("", "s", "1h", "-1", "1 s"):
        with pytest.raises(ValueError):
            parse_duration(bad)
