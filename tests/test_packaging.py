"""A package people can install (issue #11): a wheel built from the tree installs in a
fresh venv and runs the demo; mypy accepts the public API; every public class and
method says what it is for."""
from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import heron

REPO = Path(__file__).resolve().parent.parent


def test_wheel_installs_in_a_fresh_venv_and_runs_the_demo(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(dist), str(REPO)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next(dist.glob("heron-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    assert "heron/py.typed" in names and any(n.endswith("/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "bench/", "examples/")) for n in names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    # this interpreter's pip installs into the fresh venv (no ensurepip: faster)
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                              "-q", "--no-index", "--no-deps", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    # the installed console script, run away from the source tree
    run = subprocess.run([str(venv / "bin" / "heron"), "run", "-W", "all-proposals=y",
                          str(REPO / "examples" / "bug.wasm")],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert (run.returncode, run.stdout.split()) == (0, ["12345"]), run.stderr
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import heron; print(heron.__file__)"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert str(venv) in where.stdout, where.stdout


@pytest.mark.skipif(shutil.which("mypy", path=str(Path(sys.executable).parent)) is None and
                    subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True).returncode,
                    reason="mypy is not installed (it is in the test extras)")
def test_mypy_accepts_the_public_api():
    r = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml")],
                       capture_output=True, text=True, cwd=REPO, timeout=600)
    assert r.returncode == 0, r.stdout[-5000:]


def public_members():
    for name in heron.__all__:
        obj = getattr(heron, name)
        if not inspect.isclass(obj) or not obj.__module__.startswith("heron"):
            continue
        yield name, obj
        for attr, member in vars(obj).items():
            if attr.startswith("_"):
                continue
            if inspect.isfunction(member) or isinstance(member, (property, classmethod, staticmethod)):
                yield f"{name}.{attr}", member


def test_every_public_class_and_method_has_a_docstring():
    missing = []
    for label, member in public_members():
        fn = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        doc = fn.fget.__doc__ if isinstance(fn, property) else getattr(fn, "__doc__", None)
        if not (doc or "").strip():
            missing.append(label)
    assert not missing, f"no docstring: {', '.join(missing)}"


def test_help_on_store_teaches():
    text = inspect.getdoc(heron.Store) or ""
    assert "set_limits" in text and "data" in text
