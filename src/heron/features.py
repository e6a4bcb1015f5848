"""Proposal flags, named as Wasmtime's `-W NAME=y|n` names them."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import HeronError

# Proposals Heron implements, and whether each is on by default.
IMPLEMENTED: dict[str, bool] = {
    "mutable-globals": True,
    "sign-extension": True,
    "saturating-float-to-int": True,
    "multi-value": True,
    "bulk-memory": True,
    "reference-types": True,
    "extended-const": True,
    "exceptions": True,
    "legacy-exceptions": False,
    "tail-call": True,
    "function-references": True,
    "multi-memory": True,
    "memory64": True,
    "simd": True,              # fixed-width SIMD: decoded, validated, compiled (compile/vectors.py)
    "relaxed-simd": True,
}

# Proposals Heron knows by name but does not implement: a module that needs one
# raises heron.Unsupported naming it.
UNIMPLEMENTED: tuple[str, ...] = (
    "gc", "threads", "wide-arithmetic", "custom-page-sizes",
    "stack-switching", "component-model", "shared-everything-threads", "custom-descriptors",
)


@dataclass
class Features:
    """The set of enabled proposals."""

    enabled: set[str] = field(default_factory=lambda: {n for n, on in IMPLEMENTED.items() if on})

    def __contains__(self, name: str) -> bool:
        return name in self.enabled

    def set(self, name: str, on: bool) -> None:
        """Turn proposal `name` (or "all-proposals") on or off; HeronError for an unknown one."""
        if name == "all-proposals":
            names = list(IMPLEMENTED)
        elif name in IMPLEMENTED or name in UNIMPLEMENTED:
            names = [name]
        else:
            raise HeronError(f"unknown wasm feature '{name}'")
        for n in names:
            if on:
                self.enabled.add(n)
            else:
                self.enabled.discard(n)

    def apply(self, spec: str) -> None:
        """Apply one `-W` argument such as 'legacy-exceptions=y' or 'all-proposals=y,tail-call=n'
        (an unknown name is refused before its value is looked at)."""
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, value = item.partition("=")
            name = name.strip()
            if name != "all-proposals" and name not in IMPLEMENTED and name not in UNIMPLEMENTED:
                raise HeronError(f"unknown wasm feature '{name}'")
            value = value.strip().lower() or "y"
            if value not in ("y", "yes", "true", "n", "no", "false"):
                raise HeronError(f"bad value '{value}' for -W {name}: use y or n")
            self.set(name, value in ("y", "yes", "true"))

    @classmethod
    def from_args(cls, specs: list[str] | None) -> "Features":
        """The default proposals with each `-W` argument of `specs` applied."""
        f = cls()
        for s in specs or ():
            f.apply(s)
        return f

    @classmethod
    def all(cls) -> "Features":
        """Every proposal Heron implements turned on."""
        f = cls()
        f.set("all-proposals", True)
        return f
