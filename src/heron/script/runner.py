"""The WAST script runner: runs every command of a script and counts each as passed, failed or skipped.

Everything that needs no execution (parsing, decoding, validating, and the
malformed/invalid assertions) is checked here; execution goes through an
`EngineAdapter` (see adapters.py). A command never stops the script: a Heron
error or even a crash of Heron (any other Python exception) fails only that
command.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import (DecodeError, HeronError, LinkError, ParseError, Trap, Unsupported,
                      ValidationError, WasmException)
from ..features import Features
from . import loading
from .adapters import (DEFAULT_STRATEGY, DEFAULT_TARGET, AdapterFactory, EngineAdapter,
                       NoExecutionAdapter, SkipCommand, default_adapter_factory)
from ..text.commands import (KIND_NAMES, ActionCmd, AssertException, AssertExhaustion, AssertInvalid,
                       AssertMalformed, AssertReturn, AssertTrap, AssertUninstantiable,
                       AssertUnlinkable, Get, Invoke, ModuleCmd, ModuleInstance, ModuleSource,
                       Register, Thread, UnsupportedCmd, Wait)
from .values import mismatch, results_list, unsupported_feature


class CommandFailed(HeronError):
    """The command ran, and its expectation did not hold."""


class CommandTimeout(BaseException):
    """Raised (from a timer signal) into a command that ran longer than its time limit.

    A BaseException, so that no `except Exception` inside Heron swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise CommandTimeout in the block after `seconds` (wall clock); no-op where timer
    signals are unavailable (not the main thread, no SIGALRM) or for None/0."""
    usable = (seconds and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise CommandTimeout()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Failure:
    line: int
    kind: str
    message: str


@dataclass
class KindCounts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass
class ScriptResult:
    """The outcome of one script under one configuration."""
    path: str
    target: str = DEFAULT_TARGET
    strategy: str = DEFAULT_STRATEGY
    by_kind: dict[str, KindCounts] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    skip_reasons: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.by_kind.values())

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.by_kind.values())

    @property
    def skipped(self) -> int:
        return sum(c.skipped for c in self.by_kind.values())

    @property
    def config(self) -> str:
        return f"{self.target}/{self.strategy}"

    def count(self, kind: str, outcome: str, line: int = 0, detail: str = "") -> None:
        counts = self.by_kind.setdefault(kind, KindCounts())
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        if outcome == "failed":
            self.failures.append(Failure(line, kind, detail))
        elif outcome == "skipped":
            self.skip_reasons[detail] += 1

    def to_json(self) -> dict:
        return {
            "passed": self.passed, "failed": self.failed, "skipped": self.skipped,
            "by_kind": {k: {"passed": c.passed, "failed": c.failed, "skipped": c.skipped}
                        for k, c in sorted(self.by_kind.items())},
            "failures": [{"line": f.line, "kind": f.kind, "message": f.message} for f in self.failures],
            "skip_reasons": dict(sorted(self.skip_reasons.items())),
        }


def command_kind(command: Any) -> str:
    """The KIND of a command in reports: its script name; a bare action is `invoke` or `get`."""
    if isinstance(command, ActionCmd):
        return "get" if isinstance(command.action, Get) else "invoke"
    if isinstance(command, UnsupportedCmd):
        return command.kind
    return KIND_NAMES.get(type(command), type(command).__name__)


def crash_message(error: BaseException) -> str:
    """A Heron crash, reported as the last line of its traceback (plus where it happened)."""
    last = traceback.format_exception_only(type(error), error)[-1].strip()
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        where = frames[-1]
        parts = Path(where.filename).parts
        shown = "/".join(parts[parts.index("heron"):]) if "heron" in parts else parts[-1]
        last += f" [crash at {shown}:{where.lineno}]"
    return last


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _trap_matches(expected: str, code: str) -> bool:
    """Trap messages match when one is a prefix of the other (engines add detail)."""
    expected, code = expected.strip(), code.strip()
    return expected.startswith(code) or code.startswith(expected)


class ScriptRun:
    """Runs one command list under one adapter. Loaded modules may be shared between runs
    (configurations) of the same script through `cache`, since loading is target-independent."""

    def __init__(self, adapter: EngineAdapter, features: Features, result: ScriptResult,
                 cache: dict | None = None, timeout: float | None = None):
        self.adapter = adapter
        self.timeout = timeout
        self.features = features
        self.result = result
        self.cache = cache if cache is not None else {}
        # Why a module is unusable (a skip reason) by name; None is the current module.
        self.unusable: dict[str | None, str] = {}
        # Why a registered name is unusable: instantiating a module that imports from it is skipped.
        self.registered_unusable: dict[str, str] = {}
        # Module definitions by name; None is the most recent one (what `(module instance)` means).
        self.definitions: dict[str | None, tuple[Any, Any]] = {}
        self.definition_unusable: dict[str | None, str] = {}
        # Threads run so far: name -> None (ran) or why it was skipped.
        self.threads: dict[str | None, str | None] = {}
        self.handlers: dict[type, Callable[[Any], None]] = {
            ModuleCmd: self.module, ModuleInstance: self.module_instance, Register: self.register,
            ActionCmd: self.action, AssertReturn: self.assert_return, AssertTrap: self.assert_trap,
            AssertExhaustion: self.assert_exhaustion, AssertException: self.assert_exception,
            AssertMalformed: self.assert_malformed, AssertInvalid: self.assert_invalid,
            AssertUnlinkable: self.assert_unlinkable, AssertUninstantiable: self.assert_uninstantiable,
            Thread: self.thread, Wait: self.wait, UnsupportedCmd: self.unsupported,
        }

    # --- driving ---------------------------------------------------------------------------
    def run(self, commands: list, progress: Callable[[int, int], None] | None = None) -> ScriptResult:
        for i, command in enumerate(commands):
            if progress is not None:
                progress(i, len(commands))
            self.run_one(command)
        return self.result

    def run_one(self, command: Any) -> None:
        kind = command_kind(command)
        line = getattr(command, "line", 0)
        try:
            with time_limit(self.timeout):
                self.handlers[type(command)](command)
        except CommandTimeout:
            self.result.count(kind, "failed", line, f"timeout: still running after {self.timeout:g} s")
        except SkipCommand as skip:
            self.result.count(kind, "skipped", line, skip.reason)
        except Unsupported as e:
            self.result.count(kind, "skipped", line, f"unsupported: {e.feature}")
        except CommandFailed as e:
            self.result.count(kind, "failed", line, str(e))
        except HeronError as e:
            self.result.count(kind, "failed", line, _error_text(e))
        except Exception as e:          # noqa: BLE001 - a crash of Heron (RecursionError too) fails one command
            self.result.count(kind, "failed", line, crash_message(e))
        else:
            self.result.count(kind, "passed", line)

    # --- module loading (no execution) -------------------------------------------------------
    def load_valid(self, source: ModuleSource) -> Any:
        """Load and validate a module that the script expects to be valid; fail the command otherwise."""
        status, value = self._load(source)
        if status == "ok":
            return value
        if status == "unsupported":
            raise SkipCommand(f"unsupported: {value.feature}")
        if status == "crash":
            raise CommandFailed(value)
        raise CommandFailed(f"module failed to {'validate' if status == 'invalid' else 'load'}: "
                            f"{_error_text(value)}")

    def _load(self, source: ModuleSource) -> tuple[str, Any]:
        """('ok', module) | ('malformed'|'invalid'|'unsupported'|'error', error) | ('crash', message)."""
        key = id(source)
        if key in self.cache:
            return self.cache[key][1]
        try:
            module = loading.load(source, self.features)
        except (ParseError, DecodeError) as e:
            outcome = ("malformed", e)
        except Unsupported as e:
            outcome = ("unsupported", e)
        except HeronError as e:
            outcome = ("error", e)
        except Exception as e:  # noqa: BLE001
            outcome = ("crash", crash_message(e))
        else:
            try:
                loading.validate(module, self.features)
                outcome = ("ok", module)
            except ValidationError as e:
                outcome = ("invalid", e)
            except Unsupported as e:
                outcome = ("unsupported", e)
            except HeronError as e:
                outcome = ("error", e)
            except Exception as e:  # noqa: BLE001
                outcome = ("crash", crash_message(e))
        self.cache[key] = (source, outcome)     # keep the source alive so its id stays unique
        return outcome

    # --- module state ------------------------------------------------------------------------
    def _mark(self, name: str | None, reason: str | None) -> None:
        for key in {None, name}:
            if reason is None:
                self.unusable.pop(key, None)
            else:
                self.unusable[key] = reason

    def _require(self, name: str | None) -> None:
        if name in self.unusable:
            raise SkipCommand(self.unusable[name])

    def _instantiate(self, compiled: Any, module: Any, name: str | None) -> None:
        for imp in module.imports:
            if imp.module in self.registered_unusable:
                raise SkipCommand(self.registered_unusable[imp.module])
        self.adapter.instantiate(compiled, module, name)

    @staticmethod
    def _recording(body: Callable[[], None], record: Callable[[str | None], None]) -> None:
        """Run a module-making body; record(None) if it worked, else record(why it is unusable)."""
        try:
            body()
        except SkipCommand as skip:
            record(skip.reason)
            raise
        except Unsupported as e:
            record(f"unsupported: {e.feature}")
            raise
        except BaseException:
            record("module failed")
            raise
        record(None)

    def _record_definition(self, name: str | None, reason: str | None) -> None:
        for key in {name, None}:           # the definition is also the most recent one
            if reason is None:
                self.definition_unusable.pop(key, None)
            else:
                self.definition_unusable[key] = reason
                self.definitions.pop(key, None)

    # --- commands --------------------------------------------------------------------------
    def module(self, command: ModuleCmd) -> None:
        source = command.source
        if source.definition:
            def define() -> None:
                module = self.load_valid(source)
                compiled = self.adapter.compile(source, module)
                self.definitions[source.name] = self.definitions[None] = (compiled, module)
            return self._recording(define, lambda reason: self._record_definition(source.name, reason))

        def make() -> None:
            module = self.load_valid(source)
            compiled = self.adapter.compile(source, module)
            self._instantiate(compiled, module, source.name)
        self._recording(make, lambda reason: self._mark(source.name, reason))

    def module_instance(self, command: ModuleInstance) -> None:
        def make() -> None:
            if command.definition in self.definition_unusable:
                raise SkipCommand(self.definition_unusable[command.definition])
            if command.definition not in self.definitions:
                raise CommandFailed(f"unknown module definition {command.definition}"
                                    if command.definition else "no module definition before it")
            compiled, module = self.definitions[command.definition]
            self._instantiate(compiled, module, command.instance)
        self._recording(make, lambda reason: self._mark(command.instance, reason))

    def thread(self, command: Thread) -> None:
        """Run the thread's commands now, one after the other (each counted on its own).

        Heron has neither shared memory nor atomics (a module needing them is Unsupported), so
        no thread can block on or spin for another: running each thread to its end, in script
        order, is one of the schedules the script allows. A thread that waits for one that has
        not run yet cannot be run so: it is skipped as unsupported: threads. Names the thread
        gives (modules, registrations) are its own: the script's are put back afterwards."""
        if any(isinstance(c, Wait) and c.thread not in self.threads for c in command.commands):
            self.threads[command.name] = "unsupported: threads"
            raise SkipCommand("unsupported: threads")
        saved = (self.adapter.names(), dict(self.unusable), dict(self.registered_unusable))
        try:
            for inner in command.commands:
                self.run_one(inner)
        finally:
            self.adapter.restore_names(saved[0])
            self.unusable, self.registered_unusable = saved[1], saved[2]
        self.threads[command.name] = None

    def wait(self, command: Wait) -> None:
        if command.thread not in self.threads:
            raise CommandFailed(f"unknown thread {command.thread}")
        if self.threads[command.thread] is not None:
            raise SkipCommand(self.threads[command.thread])

    def unsupported(self, command: UnsupportedCmd) -> None:
        raise Unsupported(command.feature, f"command {command.kind}")

    def register(self, command: Register) -> None:
        try:
            self._require(command.module)
            self.adapter.register(command.as_name, command.module)
        except SkipCommand as skip:
            self.registered_unusable[command.as_name] = skip.reason
            raise
        self.registered_unusable.pop(command.as_name, None)

    def _perform(self, action: Invoke | Get, expected: list | None = None) -> Any:
        for value in list(getattr(action, "args", [])) + list(expected or []):
            feature = unsupported_feature(value)
            if feature:
                raise SkipCommand(f"unsupported: {feature}")
        self._require(action.module)
        if isinstance(action, Get):
            return self.adapter.get(action.module, action.field)
        return self.adapter.invoke(action.module, action.field, action.args)

    def action(self, command: ActionCmd) -> None:
        self._perform(command.action)

    def assert_return(self, command: AssertReturn) -> None:
        actual = self._perform(command.action, command.results)
        problem = mismatch(command.results, results_list(actual, len(command.results)))
        if problem:
            raise CommandFailed(problem)

    def _expect_trap(self, run: Callable[[], Any], message: str) -> None:
        try:
            run()
        except Trap as trap:
            if not _trap_matches(message, trap.code):
                raise CommandFailed(f"expected trap \"{message}\", got trap \"{trap.code}\"") from None
            return
        raise CommandFailed(f"expected trap \"{message}\", but it returned")

    def assert_trap(self, command: AssertTrap) -> None:
        if command.action is not None:
            return self._expect_trap(lambda: self._perform(command.action), command.message)
        self._expect_instantiation_trap(command.module, command.message)

    def assert_exhaustion(self, command: AssertExhaustion) -> None:
        self._expect_trap(lambda: self._perform(command.action), command.message)

    def assert_exception(self, command: AssertException) -> None:
        try:
            self._perform(command.action)
        except WasmException:
            return
        raise CommandFailed("expected an uncaught exception, but it returned")

    def assert_malformed(self, command: AssertMalformed) -> None:
        self._expect_rejection(command, "malformed", "the module loaded and validated")

    def assert_invalid(self, command: AssertInvalid) -> None:
        self._expect_rejection(command, "invalid", "the module validated")

    def _expect_rejection(self, command, expected: str, accepted_text: str) -> None:
        """assert_malformed / assert_invalid: loading must end with exactly `expected`."""
        status, value = self._load(command.module)
        if status == expected:
            return
        if status == "unsupported":
            raise SkipCommand(f"unsupported: {value.feature}")
        if status == "crash":
            raise CommandFailed(value)
        wanted = f"expected {expected} (\"{command.message}\")"
        if status == "ok":
            raise CommandFailed(f"{wanted}, but {accepted_text}")
        raise CommandFailed(f"{wanted}, got {_error_text(value)}")

    def assert_unlinkable(self, command: AssertUnlinkable) -> None:
        module = self.load_valid(command.module)
        compiled = self.adapter.compile(command.module, module)
        try:
            self._instantiate(compiled, module, None)
        except LinkError:
            return
        raise CommandFailed(f"expected unlinkable (\"{command.message}\"), but it instantiated")

    def assert_uninstantiable(self, command: AssertUninstantiable) -> None:
        self._expect_instantiation_trap(command.module, command.message)

    def _expect_instantiation_trap(self, source: ModuleSource, message: str) -> None:
        module = self.load_valid(source)
        compiled = self.adapter.compile(source, module)
        self._expect_trap(lambda: self._instantiate(compiled, module, None), message)


def run_commands(commands: list, adapter: EngineAdapter | None = None, features: Features | None = None,
                 path: str = "<script>", target: str = DEFAULT_TARGET, strategy: str = DEFAULT_STRATEGY,
                 cache: dict | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 timeout: float | None = None) -> ScriptResult:
    """Run already-parsed commands under one adapter; `timeout` limits each command (seconds)."""
    result = ScriptResult(path, target, strategy)
    start = time.perf_counter()
    ScriptRun(adapter or NoExecutionAdapter(), features or Features(), result, cache,
              timeout).run(commands, progress)
    result.seconds = time.perf_counter() - start
    return result


def run_script(path: str | Path, features: Features | None = None,
               configs: list[tuple[str, str]] | None = None,
               adapter_factory: AdapterFactory | None = None,
               progress: Callable[[int, int], None] | None = None,
               label: str | None = None, timeout: float | None = None) -> list[ScriptResult]:
    """Run one script file under each (target, strategy) configuration; one result per configuration.

    A script that cannot be read or parsed as a whole is one failure (kind `script`) per configuration.
    """
    features = features or Features()
    configs = configs or [(DEFAULT_TARGET, DEFAULT_STRATEGY)]
    factory = adapter_factory or default_adapter_factory()
    label = label if label is not None else str(path)
    start = time.perf_counter()
    try:
        text = Path(path).read_text(encoding="utf-8")
        commands = loading.parse_script(text, str(path))
    except (OSError, UnicodeDecodeError, HeronError) as e:
        line = getattr(e, "line", None) or 0
        return [_whole_script_failure(label, t, s, line, _error_text(e)) for t, s in configs]
    except Exception as e:  # noqa: BLE001 - a parser crash is one failure too
        return [_whole_script_failure(label, t, s, 0, crash_message(e)) for t, s in configs]
    parse_seconds = time.perf_counter() - start
    cache: dict = {}
    results = []
    for target, strategy in configs:
        try:
            adapter = factory(target, strategy, features)
        except HeronError as e:
            results.append(_whole_script_failure(label, target, strategy, 0, _error_text(e)))
            continue
        result = run_commands(commands, adapter, features, label, target, strategy, cache, progress, timeout)
        result.seconds += parse_seconds
        results.append(result)
    return results


def _whole_script_failure(path: str, target: str, strategy: str, line: int, message: str) -> ScriptResult:
    result = ScriptResult(path, target, strategy)
    result.count("script", "failed", line, message)
    return result
