"""Charts as PNG bytes with matplotlib's Agg backend (no display). Imported only when a chart is drawn:
matplotlib costs about a second at start-up."""

from __future__ import annotations

import io

from bot.domain.charts import Chart

COLOURS = ("#d1495b", "#edae49", "#00798c", "#30638e", "#003d5b", "#8f2d56", "#66a182", "#a4a4a4")


def render_png(chart: Chart, *, width: float = 8.0, height: float = 3.6, dpi: int = 100) -> bytes:
    """Draw `chart` and return the PNG."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure  # a Figure, not pyplot: no global state, safe in threads

    figure = Figure(figsize=(width, height), dpi=dpi)
    axes = figure.add_subplot()
    x = range(len(chart.x_labels))
    if chart.kind == "stacked_bar":
        bottom = [0.0] * len(chart.x_labels)
        for i, (name, values) in enumerate(chart.series):
            heights = [v or 0.0 for v in values]
            axes.bar(x, heights, bottom=bottom, label=name, color=COLOURS[i % len(COLOURS)])
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    else:
        for i, (name, values) in enumerate(chart.series):
            points = [(j, v) for j, v in enumerate(values) if v is not None]
            if points:
                axes.plot(*zip(*points, strict=True), marker="o", label=name, color=COLOURS[i % len(COLOURS)])
    step = max(1, len(chart.x_labels) // 10)
    axes.set_xticks(list(x)[::step], list(chart.x_labels)[::step], rotation=30, ha="right", fontsize=8)
    axes.set_ylabel(chart.y_label)
    axes.set_title(chart.title, fontsize=11)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=7, ncols=min(4, len(chart.series)), loc="upper left")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
