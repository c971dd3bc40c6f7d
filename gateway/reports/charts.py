"""Charts as inline SVG (matplotlib, no display, no server): a report is one self-contained HTML file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.container import BarContainer
    from matplotlib.figure import Figure

SIGNED_COLOUR = "#7f7f7f"
DRAFT_COLOUR = "#1f77b4"
LOSS_COLOUR = "#d62728"
GAIN_COLOUR = "#2ca02c"


def _figure(width: float = 7.0, height: float = 3.2) -> Figure:
    # The object API (not pyplot): no global state, no GUI backend, safe in a server process.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    # No date and a fixed id salt: the same report renders to the same bytes.
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _counted(axis: Axis) -> None:
    """An axis of counts (riders, bookings): whole-number ticks only, never 0.5 of a rider."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _salted() -> None:
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "gig-gateway"


def histogram(values: Sequence[Decimal], title: str, xlabel: str, marks: Sequence[Decimal] = ()) -> str:
    """Distribution of per-rider changes, losses in red and gains in green, with the decile cut points."""
    _salted()
    fig = _figure()
    ax = fig.add_subplot()
    data = [float(v) for v in values]
    if data:
        lo, hi = min(data), max(data)
        # About two bins per rider up to 40: a dozen riders in 40 bins would read as a barcode.
        bins = min(40, max(2 * len(data) // 3, 5)) if hi > lo else 1
        _, edges, container = ax.hist(data, bins=bins, color=DRAFT_COLOUR, edgecolor="white")
        patches = cast("BarContainer", container).patches
        for patch, left in zip(patches, edges[:-1], strict=True):
            right = left + patch.get_width()
            if left <= 0 <= right:
                patch.set_facecolor(SIGNED_COLOUR)  # the bin of "unchanged"
            elif right < 0:
                patch.set_facecolor(LOSS_COLOUR)
            else:
                patch.set_facecolor(GAIN_COLOUR)
        for m in marks:
            ax.axvline(float(m), color="black", linewidth=0.6, linestyle=":")
    ax.axvline(0, color="black", linewidth=1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("riders")
    _counted(ax.yaxis)
    return _svg(fig)


def paired_bars(labels: Sequence[str], before: Sequence[Decimal], after: Sequence[Decimal], title: str) -> str:
    """Signed vs draft, side by side, one pair per measure."""
    _salted()
    fig = _figure()
    ax = fig.add_subplot()
    xs = list(range(len(labels)))
    width = 0.38
    ax.bar([x - width / 2 for x in xs], [float(v) for v in before], width, label="signed", color=SIGNED_COLOUR)
    ax.bar([x + width / 2 for x in xs], [float(v) for v in after], width, label="draft", color=DRAFT_COLOUR)
    ax.set_xticks(xs, list(labels))
    ax.set_title(title)
    ax.legend()
    return _svg(fig)


def bars(labels: Sequence[str], values: Sequence[Decimal], title: str, ylabel: str) -> str:
    """One bar per label; negative bars red, positive green."""
    _salted()
    fig = _figure()
    ax = fig.add_subplot()
    floats = [float(v) for v in values]
    colours = [LOSS_COLOUR if v < 0 else GAIN_COLOUR if v > 0 else SIGNED_COLOUR for v in floats]
    ax.bar(list(labels), floats, color=colours)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return _svg(fig)


def horizontal_bars(labels: Sequence[str], values: Sequence[int], title: str, xlabel: str) -> str:
    """Counts, one bar per label, each bar labelled with its count; whole-number ticks."""
    _salted()
    fig = _figure(height=max(1.8, 0.5 * len(labels) + 1.2))
    ax = fig.add_subplot()
    # Positions, not categories: two labels that read alike still get a bar each.
    ys = list(range(len(labels)))
    container = ax.barh(ys, list(values), color=LOSS_COLOUR)
    ax.set_yticks(ys, list(labels))
    ax.bar_label(container, padding=3)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*values, 1]) * 1.15)
    _counted(ax.xaxis)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return _svg(fig)


def levels(labels: Sequence[str], values: Sequence[Decimal], title: str, xlabel: str) -> str:
    """A measured amount (the first) against reference amounts, each bar labelled with its value."""
    _salted()
    fig = _figure(height=max(1.8, 0.5 * len(labels) + 1.2))
    ax = fig.add_subplot()
    ys = list(range(len(labels)))
    colours = [DRAFT_COLOUR] + [SIGNED_COLOUR] * (len(labels) - 1)
    container = ax.barh(ys, [float(v) for v in values], color=colours)
    ax.set_yticks(ys, list(labels))
    ax.bar_label(container, labels=[str(v) for v in values], padding=3)
    ax.invert_yaxis()
    ax.set_xlim(0, max([float(v) for v in values] + [1.0]) * 1.18)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return _svg(fig)
