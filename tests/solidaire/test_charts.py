import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from solidaire.lib.charts import line_chart, radar_chart

SVG = "{http://www.w3.org/2000/svg}"
DOMAINS = [
    ("Utilité sociale ou environnementale", 82),
    ("Participation et gouvernance démocratique", 64.5),
    ("Ancrage territorial et coopération (maillage)", 71),
    ("Lucrativité limitée et financements mixtes", 45),
    ("Équité sociale et inclusion", 90),
    ("Pratiques environnementales", 38),
]
JOBS = [("2022", 12), ("2023", 15), ("2024", None), ("2025", 21), ("2026", 19)]


def parse(markup: str) -> ET.Element:
    # Parsing as XML proves the markup is well-formed; the input is our own output.
    return ET.fromstring(markup)  # noqa: S314


def radar(axes: Sequence[tuple[str, float]] = DOMAINS, **options: Any) -> ET.Element:
    return parse(radar_chart(axes, title="Auto-évaluation", description="Scores.", **options))


def line(series: Sequence[Any] = (("Emplois en insertion", JOBS),), **options: Any) -> ET.Element:
    return parse(line_chart(series, title="Emplois", description="Par an.", **options))


def find(svg: ET.Element, css_class: str) -> list[ET.Element]:
    return [element for element in svg.iter() if element.get("class") == css_class]


def points(polygon: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in polygon.get("points", "").split()]


def desc(svg: ET.Element) -> str:
    return svg.find(f"{SVG}desc").text or ""


def texts(svg: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in svg.iter(f"{SVG}text")]


# --- Radar chart -----------------------------------------------------------------------


def test_the_radar_has_one_vertex_and_one_dot_per_domain() -> None:
    svg = radar()
    assert len(points(find(svg, "chart-values")[0])) == 6
    assert len(find(svg, "chart-point")) == 6


def test_the_radar_draws_the_minimum_of_each_domain_as_a_second_polygon() -> None:
    svg = radar(thresholds=[50, 50, 40, 40, 50, 30])
    assert len(points(find(svg, "chart-threshold")[0])) == 6
    assert "Seuil minimum" in texts(svg)


def test_a_label_with_a_script_tag_is_shown_as_text_not_run() -> None:
    markup = str(
        radar_chart([("<script>alert(1)</script>", 50), ("B", 50), ("C", 50)], title="T", description="D")
    )
    assert "<script>" not in markup
    assert "<script>alert(1)</script>" in texts(parse(markup))


def test_a_screen_reader_gets_every_value_from_the_description() -> None:
    svg = radar(thresholds=[50, 50, 40, 40, 50, 30])
    assert "Participation et gouvernance démocratique : 64,5 sur 100 (minimum 50)" in desc(svg)
    assert svg.get("role") == "img"
    assert (
        svg.get("aria-labelledby")
        == f"{svg.find(f'{SVG}title').get('id')} {svg.find(f'{SVG}desc').get('id')}"
    )


def test_values_beyond_the_scale_are_drawn_on_its_edges() -> None:
    svg = radar([("Trop", 150), ("Négatif", -20), ("Normal", 50)])
    values, outer_ring = points(find(svg, "chart-values")[0]), points(find(svg, "chart-grid")[0][3])
    assert values[0] == outer_ring[0]
    assert "Trop : 100 sur 100" in desc(svg) and "Négatif : 0 sur 100" in desc(svg)


def test_a_long_domain_name_is_wrapped_on_two_lines() -> None:
    label = next(t for t in radar().iter(f"{SVG}text") if "maillage" in "".join(t.itertext()))
    assert ["".join(span.itertext()) for span in label] == [
        "Ancrage territorial et",
        "coopération (maillage)",
    ]


def test_the_same_scores_give_the_same_chart_and_other_scores_another_id() -> None:
    first, again = (
        radar_chart(DOMAINS, title="A", description="B"),
        radar_chart(DOMAINS, title="A", description="B"),
    )
    other = radar([("A", 1), ("B", 2), ("C", 3)])
    assert first == again
    assert parse(first).get("aria-labelledby") != other.get("aria-labelledby")


def test_two_domains_are_drawn_as_bars_since_a_polygon_needs_three() -> None:
    svg = radar(DOMAINS[:2], thresholds=[50, 50])
    assert len(find(svg, "chart-bar")) == 2
    assert not find(svg, "chart-values")


def test_a_radar_without_domains_says_there_is_no_data() -> None:
    assert "Aucune donnée." in texts(radar([]))


def test_the_radar_scales_and_keeps_labels_readable() -> None:
    svg = radar()
    assert svg.get("viewBox") and svg.get("width") and not svg.get("height")
    assert int(svg.get("font-size")) >= 12


def test_charts_carry_no_inline_style_which_the_csp_forbids() -> None:
    assert "style=" not in str(radar_chart([("A", 50), ("B", 60), ("C", 70)], title="t", description="d"))


# --- Line chart ------------------------------------------------------------------------


def test_the_target_and_the_baseline_are_dashed_lines_with_their_values() -> None:
    svg = line(target=20, baseline=10, unit="emplois")
    assert find(svg, "chart-target")[0].get("stroke-dasharray")
    assert find(svg, "chart-baseline")[0].get("stroke-dasharray")
    assert {"Cible : 20\u00a0emplois", "Référence : 10\u00a0emplois"} <= set(texts(svg))


def test_a_missing_value_breaks_the_line() -> None:
    svg = line()
    assert find(svg, "chart-line")[0].get("d", "").count("M") == 2
    assert len(find(svg, "chart-point")) == 4


def test_the_description_says_which_period_has_no_value() -> None:
    assert "Emplois en insertion : 2022 12, 2023 15, 2024 sans valeur, 2025 21, 2026 19" in desc(line())


def test_the_y_axis_has_round_ticks_from_zero() -> None:
    svg = line(target=20)
    assert texts(find(svg, "chart-y-ticks")[0]) == ["0", "10", "20", "30"]


def test_a_series_without_any_value_draws_an_empty_chart() -> None:
    svg = line([("Emplois", [("2025", None), ("2026", None)])])
    assert not find(svg, "chart-line")
    assert "Aucune valeur." in texts(svg)


def test_a_single_value_is_a_point_without_a_line() -> None:
    svg = line([("Emplois", [("2026", 7)])], target=10)
    assert not find(svg, "chart-line")
    assert "2026" in texts(svg)


def test_several_series_get_a_legend() -> None:
    svg = line([("Emplois", JOBS), ("Bénévoles", [("2022", 30), ("2026", 41)])])
    assert {"Emplois", "Bénévoles"} <= set(texts(svg))


def test_the_line_chart_is_valid_svg_with_an_accessible_name() -> None:
    svg = line(target=20, baseline=10)
    assert svg.tag == f"{SVG}svg"
    assert svg.find(f"{SVG}title").text == "Emplois"
