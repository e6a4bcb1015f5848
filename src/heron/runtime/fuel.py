"""A Store's fuel (`Config.consume_fuel`): the cell compiled code charges, its reserve, and
the out-of-gas path.

Compiled code reads and writes `FUEL[0]` (compile/metering.py): the fuel left in the
active window. The window holds at most WINDOW units, so the numbers generated code
computes with stay one-digit ints on CPython's fast paths; the rest waits in `reserve`
and comes in when the window runs dry, as Wasmtime refuels from its fuel reserve.
The fuel a Store has is `FUEL[0] + reserve` (0 when that is negative: code may consume a
little past zero between two checks, as in Wasmtime).
"""
from __future__ import annotations

from ..errors import HeronError, Trap, TrapCode

WINDOW = (1 << 30) - 1
U64_MAX = (1 << 64) - 1


class FuelTank:
    """The fuel of one Store: `cell` is the list compiled code sees as FUEL."""
    __slots__ = ("enabled", "cell", "reserve")

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.cell = [0]
        self.reserve = 0

    def _require(self) -> None:
        if not self.enabled:
            raise HeronError("fuel is not configured in this store (set Config.consume_fuel = True)")

    def get(self) -> int:
        """The fuel left."""
        self._require()
        return max(0, self.cell[0] + self.reserve)

    def set(self, fuel: int) -> None:
        """Give the store exactly `fuel` units (0 <= fuel < 2**64, as Wasmtime's u64)."""
        self._require()
        if isinstance(fuel, bool) or not isinstance(fuel, int):
            raise TypeError(f"fuel must be an int, not {type(fuel).__name__}")
        if not 0 <= fuel <= U64_MAX:
            raise ValueError(f"fuel must be between 0 and 2**64 - 1, not {fuel}")
        active = min(fuel, WINDOW)
        self.cell[0] = active
        self.reserve = fuel - active

    def refuel(self, active: int) -> int:
        """The out-of-gas path of compiled code (`fu = REFUEL(fu)` at a check that found
        `active <= 0`): store it, refill the window from the reserve and return the new
        window, or trap with "all fuel consumed"."""
        total = active + self.reserve
        if total <= 0:
            self.cell[0] = active
            self.reserve = 0
            raise Trap(TrapCode.OUT_OF_FUEL)
        active = min(total, WINDOW)
        self.cell[0] = active
        self.reserve = total - active
        return active


__all__ = ["FuelTank", "WINDOW"]
