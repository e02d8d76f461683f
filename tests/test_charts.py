"""The house figure (analysis.charts): drawn once when shown, the same chart either way."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from analysis.charts import annotate_events, new_figure


@pytest.fixture
def draws(monkeypatch):
    """Counts of full drawings of figures (Figure.draw) while a test runs."""
    seen: list[Figure] = []
    draw = Figure.draw

    def counted(self, renderer):
        seen.append(self)
        return draw(self, renderer)

    monkeypatch.setattr(Figure, "draw", counted)
    return seen


def _chart(**kwargs):
    fig, ax = new_figure(**kwargs)
    ax.plot(range(40), [i % 7 for i in range(40)], label="attacks")
    ax.set_title("Attacks recorded each week")
    annotate_events(ax, {"An event": 12, "Another event": 30})
    ax.legend()
    return fig


def test_pyplot_s_redraw_after_a_cell_does_not_draw_a_house_figure(draws):
    assert matplotlib.get_backend().lower() == "agg"
    fig = _chart()
    draws.clear()  # placing the event labels lays the figure out once
    try:
        fig.canvas.draw_idle()  # what pyplot's redraw after each notebook cell calls
        assert draws == []
        fig.png()  # showing it draws it (twice: the tight box, then the picture)
        assert draws and all(f is fig for f in draws)
    finally:
        plt.close(fig)


def test_the_chart_is_the_same_whether_or_not_it_was_drawn_before_it_is_shown():
    skipped, drawn = _chart(), _chart()
    try:
        drawn.canvas.draw()  # the drawing pyplot's redraw used to make
        assert skipped.png() == drawn.png()
    finally:
        plt.close(skipped)
        plt.close(drawn)


def test_a_figure_with_a_layout_engine_keeps_its_redraw(draws):
    """Constrained layout starts from the last drawing's positions: such charts keep pyplot's
    redraw, so their pictures stay as they were."""
    fig = _chart(layout="constrained")
    draws.clear()
    try:
        fig.canvas.draw_idle()
        assert draws == [fig]
    finally:
        plt.close(fig)


def test_a_chart_read_from_its_pixels_is_the_png_a_png_file_would_give(monkeypatch):
    """png() reads the drawn pixels (Agg's ``rgba`` printer) instead of writing and reading a
    PNG: the same picture to the byte, and the PNG way when a printer writes no shape."""
    import base64
    import io

    from analysis import charts

    fig = _chart()
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight", dpi=fig.dpi * charts.PIXEL_RATIO)
        by_file = charts.small_png(buf.getvalue())
        png, meta = fig.png()
        assert base64.b64decode(png) == by_file
        assert (meta["width"], meta["height"]) != (0, 0)
        write = charts._Frame.write
        monkeypatch.setattr(charts._Frame, "write", lambda self, d: write(self, bytes(d)))
        assert fig.png() == (png, meta)  # flat bytes: no shape, so the PNG way
    finally:
        plt.close(fig)
