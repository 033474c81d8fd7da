"""Income by month as an inline SVG bar chart, drawn on the server.

No script and no third-party code: the page's content security policy allows neither inline
script nor inline style, and SVG presentation attributes are neither. The same figures are
in a table beside the chart, which is what a screen reader (and the CSV) reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from finance import money
from finance.selectors import Month

WIDTH = 720
HEIGHT = 260
LEFT = 70  # room for the axis labels
BOTTOM = 40
TOP = 16
RIGHT = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # "Mar 2025"
    short: str  # "Mar", or "Jan 25" at a year's start
    value: str
    label_x: float
    show_label: bool


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    baseline: float
    left: int
    right: int
    total: str


def _nice_ceiling(value: Decimal) -> Decimal:
    """The top of the axis: 1, 2 or 5 times a power of ten, at or above the largest bar."""
    if value <= 0:
        return Decimal(100)
    exponent = len(str(int(value))) - 1
    for step in (1, 2, 5, 10):
        top = Decimal(step) * (Decimal(10) ** exponent)
        if top >= value:
            return top
    return Decimal(10) ** (exponent + 1)


def income_chart(months: list[Month]) -> Chart | None:
    if not months:
        return None
    top = _nice_ceiling(max(month.received for month in months))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / len(months)
    bar_width = max(slot * 0.7, 1.0)
    # One label per month when they fit, else one per quarter.
    every = 1 if slot >= 34 else 3 if slot >= 11 else 12
    bars = []
    for index, month in enumerate(months):
        height = float(month.received / top) * plot_height if top else 0.0
        x = LEFT + index * slot + (slot - bar_width) / 2
        short = f"{month.month:%b}" if month.month.month != 1 or index == 0 else f"{month.month:%b %y}"
        if index == 0:
            short = f"{month.month:%b %y}"
        bars.append(
            Bar(
                x=round(x, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(bar_width, 2),
                height=round(height, 2),
                label=f"{month.month:%B %Y}",
                short=short,
                value=money.display(month.received),
                label_x=round(LEFT + index * slot + slot / 2, 2),
                show_label=index % every == 0,
            )
        )
    ticks = [
        Tick(y=round(TOP + plot_height - plot_height * fraction, 2), text=money.display(top * Decimal(fraction)))
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]
    total = sum((month.received for month in months), money.ZERO)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        baseline=TOP + plot_height,
        left=LEFT,
        right=WIDTH - RIGHT,
        total=money.display(total),
    )
