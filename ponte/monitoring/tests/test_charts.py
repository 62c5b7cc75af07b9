"""Server-side SVG charts, the `cell` filter and the table include, on hand-built tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from ponte.monitoring.charts import bar_chart, network_graph
from ponte.monitoring.tables import Column, ColumnKind, Row, Small, Table
from ponte.monitoring.templatetags.monitoring import cell, chart_for

SVG = "{http://www.w3.org/2000/svg}"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def make_table(
    values: list[int | float | Decimal | Small | None],
    kind: ColumnKind = "count",
    labels: list[str] | None = None,
) -> Table:
    labels = labels or [f"Group {i}" for i in range(len(values))]
    return Table(
        key="cases",
        title="Cases opened",
        definition="Cases opened in the period.",
        columns=[Column("n", "Cases", kind), Column("share", "Share (%)", "percent")],
        rows=[Row(label, [v, 10.0]) for label, v in zip(labels, values, strict=True)],
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def bars(svg: str) -> list[float]:
    return [float(r.attrib["width"]) for r in parse(svg).iter(f"{SVG}rect")]


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in parse(svg).iter(f"{SVG}text")]


def test_bar_lengths_are_proportional_to_the_values() -> None:
    svg = bar_chart(make_table([10, 40, 20, 0]))
    assert svg is not None
    widths = bars(svg)
    assert len(widths) == 4
    longest = widths[1]
    assert longest > 0
    for width, value in zip(widths, [10, 40, 20, 0], strict=True):
        assert width == pytest.approx(longest * value / 40, abs=0.01)


def test_percentages_are_drawn_on_a_0_to_100_scale() -> None:
    svg = bar_chart(make_table([25.0, 50.0], kind="percent"))
    assert svg is not None
    quarter, half = bars(svg)
    # Half of the scale, not the longest bar: 50% is not drawn as a full bar.
    assert half == pytest.approx(2 * quarter, abs=0.01)
    full = bars(bar_chart(make_table([100.0], kind="percent")) or "")
    assert half == pytest.approx(full[0] / 2, abs=0.01)


def test_small_and_empty_cells_draw_no_bar_and_print_a_sign() -> None:
    with override("en"):
        svg = bar_chart(make_table([Small(), None, 7]))
    assert svg is not None
    assert len(bars(svg)) == 1  # only the 7
    shown = texts(svg)
    assert "<3" in shown
    assert "—" in shown
    assert "7" in shown


def test_the_value_is_printed_at_the_end_of_its_bar() -> None:
    with override("en"):
        svg = bar_chart(make_table([1234, 10]))
    assert svg is not None
    root = parse(svg)
    rect = next(root.iter(f"{SVG}rect"))
    value = next(t for t in root.iter(f"{SVG}text") if t.text == "1,234")
    end = float(rect.attrib["width"])
    # After the bar, or inside its end when the bar is too long to leave room (white on blue).
    if value.attrib["text-anchor"] == "start":
        assert float(value.attrib["x"]) > end
    else:
        assert float(value.attrib["x"]) < end
        assert value.attrib["fill"] == "#ffffff"


def test_labels_are_escaped() -> None:
    svg = bar_chart(make_table([3], labels=["<script>alert(1)</script> & co"]))
    assert svg is not None
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&amp; co" in svg
    assert texts(svg)[0] == "<script>alert(1)</script> & co"


@given(label=st.text(), name=st.text(min_size=1))
def test_any_label_gives_well_formed_svg_with_the_label_as_text(label: str, name: str) -> None:
    svg = bar_chart(make_table([5], labels=[label]))
    assert svg is not None
    shown = texts(svg)[0]
    # The label is text, never markup: it reads back as given, on one line, shortened if long.
    one_line = re.sub("[\x00-\x1f\x7f\ufffe\uffff]", " ", label)
    if len(one_line) <= 48:
        assert shown == one_line
    else:
        assert shown.endswith("…") and one_line.startswith(shown[:-1])
    graph = network_graph([(name, name + "x", 1, None)])
    assert graph is not None
    assert len(list(parse(graph).iter(f"{SVG}circle"))) == 2


def test_no_inline_style_and_hidden_from_assistive_technology() -> None:
    svgs = [
        bar_chart(make_table([1, 2, Small(), None])),
        network_graph([("A", "B", 3, 0.5), ("B", "A", 1, None)]),
    ]
    for svg in svgs:
        assert svg is not None
        assert "style=" not in svg
        assert "<style" not in svg
        assert "<script" not in svg
        assert "href=" not in svg.replace('marker-end="url(#', "")
        root = parse(svg)
        assert root.attrib["aria-hidden"] == "true"
        assert root.attrib["focusable"] == "false"
        assert root.attrib["width"] == "100%"
        assert re.fullmatch(r"0 0 \d+ \d+", root.attrib["viewBox"])


def test_bars_use_the_accessible_blue_and_dark_text() -> None:
    root = parse(bar_chart(make_table([5])) or "")
    assert {r.attrib["fill"] for r in root.iter(f"{SVG}rect")} == {"#0066cc"}
    assert root.attrib["fill"] == "#1a1a1a"


def test_no_chart_when_not_wanted_or_nothing_to_draw() -> None:
    table = make_table([1, 2])
    table.chart = "none"
    assert bar_chart(table) is None
    assert bar_chart(make_table([])) is None
    assert network_graph([]) is None
    assert network_graph([("A", "A", 4, None)]) is None  # a loop has no line to draw


def test_the_chart_column_is_drawn() -> None:
    table = make_table([1, 2])
    table.chart_column = 1  # the percent column: every row is 10%
    widths = bars(bar_chart(table) or "")
    assert widths[0] == widths[1] == pytest.approx(widths[0])
    assert widths[0] == pytest.approx(0.1 * (360 - 84), abs=0.01)


def test_charts_are_deterministic() -> None:
    table = make_table([3, Small(), None, Decimal("2.5")])
    assert bar_chart(table) == bar_chart(make_table([3, Small(), None, Decimal("2.5")]))
    edges = [("Alfa", "Beta", 4, 0.5), ("Gamma", "Alfa", 2, None)]
    assert network_graph(edges) == network_graph(list(edges))


def edge_lines(svg: str) -> list[ET.Element]:
    return list(parse(svg).iter(f"{SVG}line"))


def test_network_has_one_arrow_per_pair_thicker_for_more_referrals() -> None:
    edges = [
        ("Comune", "Cooperativa", 12, 0.8),
        ("Cooperativa", "Comune", 3, None),
        ("Sindacato", "Comune", 1, None),
        ("ASL", "Cooperativa", 6, 0.5),
    ]
    svg = network_graph(edges)
    assert svg is not None
    lines = edge_lines(svg)
    assert len(lines) == 4
    for line in lines:
        assert line.attrib["marker-end"].startswith("url(#ponte-arrow-")
        assert 1 <= float(line.attrib["stroke-width"]) <= 8
    widths = sorted(float(line.attrib["stroke-width"]) for line in lines)
    assert len(set(widths)) == 4  # four different counts, four different widths
    assert widths[-1] == 8  # the busiest pair
    # Each line is labelled with its count, and the arrow markers live in the svg's own defs.
    shown = texts(svg)
    for count in ("12", "3", "1", "6"):
        assert count in shown
    markers = {m.attrib["id"] for m in parse(svg).iter(f"{SVG}marker")}
    for line in lines:
        assert line.attrib["marker-end"][5:-1] in markers


def test_network_stroke_widths_are_ordered_by_count() -> None:
    edges = [(f"Org {i}", f"Org {i + 1}", count, None) for i, count in enumerate([5, 1, 9, 3])]
    svg = network_graph(edges) or ""
    lines = edge_lines(svg)
    # Each line is followed by its count label, so the digits come in line order.
    counts = [int(t) for t in texts(svg) if t.isdigit()]
    pairs = sorted(zip(counts, (float(x.attrib["stroke-width"]) for x in lines), strict=True))
    widths = [w for _c, w in pairs]
    assert widths == sorted(widths)


def test_network_names_are_shortened_and_escaped() -> None:
    long_name = "Associazione <b>di promozione</b> sociale per i diritti dei lavoratori"
    svg = network_graph([(long_name, "Comune", 2, None)])
    assert svg is not None
    assert "<b>" not in svg
    names = [t for t in texts(svg) if not t.isdigit()]
    shortened = next(n for n in names if n.startswith("Associazione"))
    assert len(shortened) <= 28
    assert shortened.endswith("…")


def test_network_keeps_the_30_busiest_organisations() -> None:
    # 40 senders to one hub; sender i sends i referrals. The hub and the 29 busiest stay.
    edges = [(f"Sender {i:02d}", "Hub", i, None) for i in range(1, 41)]
    svg = network_graph(edges)
    assert svg is not None
    root = parse(svg)
    assert len(list(root.iter(f"{SVG}circle"))) == 30
    names = set(texts(svg))
    assert "Hub" in names
    assert "Sender 40" in names and "Sender 12" in names
    assert "Sender 11" not in names and "Sender 01" not in names
    assert len(edge_lines(svg)) == 29


@pytest.mark.parametrize(
    ("value", "kind", "italian", "english"),
    [
        (1234, "count", "1.234", "1,234"),
        (1234567, "count", "1.234.567", "1,234,567"),
        (45.3, "percent", "45,3%", "45.3%"),
        (100.0, "percent", "100,0%", "100.0%"),
        (12.25, "days", "12,2", "12.2"),
        (3.0, "days", "3,0", "3.0"),
        (Decimal("1234.5"), "euro", "1.234,50\u00a0€", "1,234.50\u00a0€"),
        (2.5, "number", "2,5", "2.5"),
        (Small(), "count", "<3", "<3"),
        (None, "percent", "—", "—"),
        (0, "count", "0", "0"),
    ],
)
def test_cell_filter_formats_each_kind_in_the_active_language(
    value: int | float | Decimal | Small | None, kind: ColumnKind, italian: str, english: str
) -> None:
    with override("it"):
        assert cell(value, kind) == italian
    with override("en"):
        assert cell(value, kind) == english


def test_chart_for_tag_is_the_bar_chart() -> None:
    table = make_table([1, 2])
    assert chart_for(table) == bar_chart(table)


def render_include(table: Table) -> str:
    # The include is rendered through its own engine, so the test does not depend on the
    # monitoring app being in INSTALLED_APPS yet.
    engine = Engine(
        dirs=[str(TEMPLATES)],
        libraries={
            "i18n": "django.templatetags.i18n",
            "monitoring": "ponte.monitoring.templatetags.monitoring",
        },
    )
    with override("en"):
        return engine.get_template("monitoring/includes/table.html").render(
            Context({"table": table})
        )


def test_table_include_renders_an_accessible_table_beside_its_chart() -> None:
    table = make_table([1234, Small(), None], labels=["Milano", "Roma", "<Latina>"])
    table.rows[0].href = "/cases/?g=milano"
    table.note = "Counts below 3 are shown as <3."
    html = render_include(table)
    assert '<section class="monitoring-table" id="t-cases" aria-labelledby="t-cases-title">' in html
    assert '<h3 id="t-cases-title">Cases opened</h3>' in html
    assert "<svg" in html and 'aria-hidden="true"' in html
    assert 'class="table-responsive" tabindex="0" role="region"' in html
    assert '<caption class="visually-hidden">Cases opened</caption>' in html
    assert '<th scope="col" class="text-end">Cases</th>' in html
    assert '<a href="/cases/?g=milano">Milano</a>' in html
    assert '<td class="text-end">1,234</td>' in html
    assert '<td class="text-end">&lt;3</td>' in html
    assert '<td class="text-end">—</td>' in html
    assert '<td class="text-end">10.0%</td>' in html
    assert "&lt;Latina&gt;" in html and "<Latina>" not in html
    assert '<p class="small">Counts below 3 are shown as &lt;3.</p>' in html
    assert "<summary>How this is computed</summary>" in html
    assert "Cases opened in the period." in html


def test_table_include_without_rows_says_so_and_draws_nothing() -> None:
    html = render_include(make_table([]))
    assert "No data for these filters." in html
    assert "<svg" not in html
    assert "<table" not in html
    assert "How this is computed" in html


def test_network_keeps_lines_when_the_busiest_organisations_never_meet() -> None:
    # As at national scale: 40 PUAs each send to receivers no other PUA uses. Ranking
    # organisations alone kept 30 senders and no receiver, and drew no line (max() failed).
    edges = [(f"PUA {i:02d}", f"Receiver {i:02d}", 10 + i, None) for i in range(40)]
    svg = network_graph(edges)
    assert svg is not None
    assert len(list(parse(svg).iter(f"{SVG}circle"))) == 30
    lines = edge_lines(svg)
    assert len(lines) == 15  # the 15 busiest pairs, both ends drawn
    assert "PUA 39" in set(texts(svg)) and "Receiver 39" in set(texts(svg))
