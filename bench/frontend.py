"""Front-end speed and memory: decode and validate times, peak and retained memory.

    .venv/bin/python bench/frontend.py                       # this tree, 1 MB and 3 MB modules
    .venv/bin/python bench/frontend.py --before 1ee3eca      # and another revision, same run
    .venv/bin/python bench/frontend.py --suite --reps 3      # also the official suite's modules

Modules come from bench/genmodule.py (compiled-C shaped, seeded) and, with --suite, from
every `module` of the required spec scripts (through `wasm-tools json-from-wast`). Every
measurement runs in a fresh process, the source tree on its sys.path: times are the best
of --reps runs of `heron.binary.decode` and `heron.valid.validate`, in CPU time (the
process's own, so a busy machine disturbs the figures less than wall time); memory is measured in
another process with tracemalloc: *peak* during decode+validate and *retained* by the
validated module afterwards (plus the process's max RSS). `--before REV` extracts REV's
src/ with `git archive` into a temporary directory and measures it alongside, interleaved.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import genmodule  # noqa: E402


def _worker(src: str, files: list[str], what: str, reps: int) -> dict:
    """Runs in a fresh process: measure one source tree on some modules. (Heron is imported
    here, not at the top: which tree it comes from is this function's argument.)"""
    sys.path.insert(0, src)
    from heron.binary import decode
    from heron.valid import validate
    datas = [Path(f).read_bytes() for f in files]
    if what == "loads":
        from heron.errors import HeronError
        ok = []
        for f, d in zip(files, datas):
            try:
                validate(decode(d))
            except HeronError:
                continue
            ok.append(f)
        return {"ok": ok}
    if what == "memory":
        tracemalloc.start()
        kept = [validate_and_keep(decode, validate, d) for d in datas]
        gc.collect()
        retained, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"modules": len(kept), "peak": peak, "retained": retained,
                "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    best_dec = best_val = float("inf")
    for _ in range(reps):
        gc.collect()
        t0 = time.process_time()
        mods = [decode(d) for d in datas]
        t1 = time.process_time()
        for m in mods:
            validate(m)
        t2 = time.process_time()
        best_dec = min(best_dec, t1 - t0)
        best_val = min(best_val, t2 - t1)
        del mods
    return {"decode": best_dec, "validate": best_val}


def validate_and_keep(decode, validate, data: bytes):
    m = decode(data)
    validate(m)
    return m


def _run_worker(src: Path, files: list[Path], what: str, reps: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", str(src), what, str(reps), *map(str, files)]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        raise SystemExit(f"worker failed for {src}:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _export_revision(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src/heron"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def _suite_modules(into: Path) -> list[Path]:
    """The binary of every valid `module` command of the required spec scripts."""
    sys.path.insert(0, str(REPO / "tests"))
    from testsuite_paths import json_from_wast, required_scripts
    out: list[Path] = []
    for script, _flags in required_scripts():
        got = json_from_wast(script)
        if got is None:
            continue
        spec, folder = got
        for cmd in spec["commands"]:
            if cmd["type"] == "module" and cmd.get("filename", "").endswith(".wasm"):
                out.append(folder / cmd["filename"])
    return out


def _fmt_s(x: float) -> str:
    return f"{x:.3f} s"


def _fmt_mb(x: float) -> str:
    return f"{x / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1mb,3mb", help="generated module sizes (default 1mb,3mb)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--before", metavar="REV", help="also measure this git revision")
    ap.add_argument("--suite", action="store_true", help="also the official suite's modules")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="heron-frontend-") as tmp:
        tmpdir = Path(tmp)
        trees = [("this tree", REPO / "src")]
        if args.before:
            trees.insert(0, (f"before ({args.before})", _export_revision(args.before, tmpdir)))
        workloads: list[tuple[str, list[Path]]] = []
        for size in args.sizes.split(","):
            if not size:
                continue
            wasm = genmodule.generate(genmodule.parse_size(size), args.seed)
            path = tmpdir / f"gen-{size}.wasm"
            path.write_bytes(wasm)
            workloads.append((f"generated {size} ({len(wasm):,} B)", [path]))
        if args.suite:
            mods = _suite_modules(tmpdir)
            for _name, src in trees:      # only what every tree loads (no GC, ...)
                mods = [Path(f) for f in _run_worker(src, mods, "loads", 1)["ok"]]
            workloads.append((f"spec suite ({len(mods)} modules)", mods))

        rows = []
        for label, files in workloads:
            results = {}
            for name, src in trees:
                results[name] = _run_worker(src, files, "time", args.reps)
                if not args.no_memory:
                    results[name].update(_run_worker(src, files, "memory", 1))
            rows.append((label, results))

    names = [n for n, _ in trees]
    print("| workload | tree | decode | validate | total | peak mem | retained | max RSS |")
    print("|---|---|---|---|---|---|---|---|")
    for label, results in rows:
        for name in names:
            r = results[name]
            total = r["decode"] + r["validate"]
            mem = ("-", "-", "-") if "peak" not in r else \
                (_fmt_mb(r["peak"]), _fmt_mb(r["retained"]), _fmt_mb(r["maxrss"]))
            print(f"| {label} | {name} | {_fmt_s(r['decode'])} | {_fmt_s(r['validate'])} | "
                  f"{_fmt_s(total)} | {mem[0]} | {mem[1]} | {mem[2]} |")
        if len(names) == 2:
            a, b = results[names[0]], results[names[1]]
            speed = (a["decode"] + a["validate"]) / (b["decode"] + b["validate"])
            line = f"| {label} | ratio | {a['decode'] / b['decode']:.1f}x | " \
                   f"{a['validate'] / b['validate']:.1f}x | {speed:.1f}x faster |"
            if "peak" in a:
                line += f" {a['peak'] / b['peak']:.1f}x less | {a['retained'] / b['retained']:.1f}x less | |"
            print(line)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        src, what, reps, *files = sys.argv[2:]
        print(json.dumps(_worker(src, files, what, int(reps))))
        sys.exit(0)
    sys.exit(main())
