"""Figures for experiments: a PNG plus the JSON data behind it, written atomically.

matplotlib is used with the non-interactive Agg backend on an explicit
``Figure`` (no pyplot state), so plotting is safe in tests, workers and CI.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def _atomic_write(path: Path, write: Callable[[str], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a figure is for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_figure(
    path: str | Path,
    draw: Callable[[Axes], None],
    data: dict[str, Any],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    size: tuple[float, float] = (6.0, 4.0),
) -> tuple[Path, Path]:
    """Draw with ``draw(ax)``, label the axes, write ``path`` (PNG) and ``path`` with ``.json``.

    A legend is added if ``draw`` labelled artists and did not place one itself.
    Returns the two paths written. ``data`` must be JSON-serialisable (strict: no NaN).
    """
    png = Path(path).with_suffix(".png")
    js = png.with_suffix(".json")
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    draw(ax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if ax.get_legend() is None and ax.get_legend_handles_labels()[0]:
        ax.legend()  # unless draw() placed its own
    text = json.dumps(
        {"title": title, "xlabel": xlabel, "ylabel": ylabel, "data": data},
        indent=2,
        allow_nan=False,
    )
    _atomic_write(png, lambda tmp: fig.savefig(tmp, format="png", dpi=120))

    def write_json(tmp: str) -> None:
        Path(tmp).write_text(text + "\n")

    _atomic_write(js, write_json)
    return png, js
