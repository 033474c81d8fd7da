"""The stepping of ``make load --capacity`` (issue 23), apart from locust so it can be tested alone.

A closed loop: each virtual user sends its next request as soon as the last one is answered, so
the server's throughput, not a chosen pace, sets the rate. Users are added step by step (``STEPS``
by default: about x1.5 a step, fine enough near where a 2-processor server saturates); each step
is measured on its own, and the first step whose p95 is over the target, or that has any error,
ends the stepping. The capacity is the requests a second of the last step that met the target:
past it, more users only queue. Nothing here sends a request; ``measure`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

STEPS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


@dataclass(frozen=True)
class Step:
    """One step's measured window."""

    users: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    errors: int
    # Processor-seconds a second: the load generator's own (it shares the machine with the server),
    # and the whole machine's, both over the window.
    generator_cpu: float = 0.0
    machine_cpu: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def meets(self, p95_target_ms: float) -> bool:
        return self.errors == 0 and self.p95_ms <= p95_target_ms

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Step:
        return cls(**values)


@dataclass(frozen=True)
class Capacity:
    """The steps taken, the last that met the target (None if even the first did not) and the one
    that stopped the stepping (None if the steps ran out first)."""

    steps: list[Step]
    met: Step | None
    failed: Step | None

    @property
    def rps(self) -> float:
        return self.met.rps if self.met is not None else 0.0

    def stopped_by(self, p95_target_ms: float) -> str:
        if self.failed is None:
            last = self.steps[-1].users if self.steps else 0
            return f"not reached: the steps ended at {last} users"
        reasons = []
        if self.failed.p95_ms > p95_target_ms:
            reasons.append(f"p95 {self.failed.p95_ms:.0f} ms > {p95_target_ms:.0f} ms")
        if self.failed.errors:
            reasons.append(f"{self.failed.errors} errors")
        return f"{' and '.join(reasons)} at {self.failed.users} users"


def find_capacity(users: Iterable[int], measure: Callable[[int], Step], p95_target_ms: float) -> Capacity:
    """Measure each user count in turn (rising), stopping at the first step that does not meet the
    target; a later step is never measured after a failing one, since its figures would be of an
    overloaded server."""
    steps: list[Step] = []
    met: Step | None = None
    previous = 0
    for count in users:
        if count <= previous:
            raise ValueError(f"the steps must rise: {count} after {previous}")
        previous = count
        step = measure(count)
        steps.append(step)
        if not step.meets(p95_target_ms):
            return Capacity(steps, met, step)
        met = step
    return Capacity(steps, met, None)


def parse_steps(text: str) -> tuple[int, ...]:
    """``"1,2,4,8"`` -> (1, 2, 4, 8); rising positive counts, or ValueError."""
    counts = tuple(int(part) for part in text.split(",") if part.strip())
    if not counts or counts[0] < 1 or any(b <= a for a, b in pairwise(counts)):
        raise ValueError(f"expected rising user counts like 1,2,4,8, not {text!r}")
    return counts
