"""The report's text and data: embedded figures, Morse intervals, zero loss, strict JSON."""
import json
import re
import sys

import pytest

from spurious.report import ZERO_LOSS_ULPS, _interval_text, _loss_text, build_report, markdown


class _Quiet:
    def update(self, *args):
        pass


@pytest.fixture(scope="module")
def report():
    # sd3-i: a Morse interval without an integer d (6.01, 6.286) and two crossings on two blocks;
    # sd-i: the global minimum (loss 0 in exact arithmetic)
    return build_report(["sd3-i", "sd-i"], 8, _Quiet())


def test_report_json_is_strict_and_has_blocks(report):
    json.dumps(report, allow_nan=False)
    sd3 = report["families"][0]
    monitors = sd3["branch"]["monitors"]
    assert len(monitors) > 1
    assert all(len(v) == len(sd3["branch"]["d"]) for v in monitors.values())
    assert [c["label"] for c in sd3["crossings"]] == [c["representation"] for c in sd3["crossings"]]
    assert len({c["label"] for c in sd3["crossings"]}) == 2
    assert all(c["label"] in monitors for c in sd3["crossings"])


def test_markdown_embeds_the_figures(report):
    md = markdown(report)
    for name in ("bifurcation.png", "blocks.png", "overparam.png"):
        m = re.search(rf"!\[[^\]]+\]\({re.escape(name)}\)\n\n\*Figure \d+\. [^\n]+\*", md)
        assert m, name


def test_no_fractional_morse_index(report):
    md = markdown(report)
    for value, at in re.findall(r"\[= ([^\]]*?) at d = ([^\]]*?)\]", md):
        assert re.fullmatch(r"\d+", value) and re.fullmatch(r"\d+", at), (value, at)
    row = next(line for line in md.splitlines() if line.startswith("| sd3-i |"))
    first = re.search(r"\(6\.0100, 6\.2860\): ([^;|]*)", row).group(1).strip()
    assert first == "d-4 + 2"  # the formula only: there is no integer d in (6.01, 6.286)
    assert "(6.2860, 9.3232): d-4 [= 4 at d = 8]" in row


def test_interval_text_rules():
    ivs = [{"d_lo": 6.01, "d_hi": 6.28, "morse_index_formula": "d-4 + 2", "d_sample": 6.145,
            "morse_index_at_sample": 4.145},
           {"d_lo": 6.28, "d_hi": 9.3, "morse_index_formula": "d-4", "d_sample": 8.0, "morse_index_at_sample": 4.0}]
    assert _interval_text(ivs) == "(6.0100, 6.2800): d-4 + 2; (6.2800, 9.3000): d-4 [= 4 at d = 8]"


def test_zero_loss_prints_zero(report):
    md = markdown(report)
    table = md.split("### sd-i")[1].split("###")[0]
    rows = [line.split("|")[1:3] for line in table.splitlines() if re.match(r"\| \d+ \|", line)]
    assert rows and all(loss.strip() == "0" for _, loss in rows)
    assert "e-15" not in table and "e-16" not in table


def test_tiny_genuine_loss_is_not_hidden():
    eps = sys.float_info.epsilon
    assert _loss_text(-4.44e-16, 6) == "0"
    assert _loss_text(7e-15, 30) == "0"
    # above the rounding-noise bound the value is printed as it is
    assert _loss_text(2 * ZERO_LOSS_ULPS * 36 * eps, 6) != "0"
    assert _loss_text(1e-9, 6) == "1e-09"
    assert _loss_text(0.0258843400146, 6) == "0.02588434001"
    assert _loss_text(None, 6) == "n/a"


def test_overparam_section(report):
    """The map of over-parameterisation: for sd3-i every m and embedding has a row; the embedded
    split points are saddles; a descendant that becomes a minimum gives its range and d*."""
    md = markdown(report)
    section = md.split("## Over-parameterisation: k = d + m", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| sd3-i |")]
    assert len(rows) == 9  # m = 1, 2, 3 x (split-special, split-generic, zero neuron)
    assert all("saddle" in r for r in rows)
    sd3 = report["families"][0]["overparam"]
    survivors = [r for r in sd3 if r.get("descendant") and r["descendant"]["minimum"]]
    assert survivors
    for r in survivors:
        lo = r["descendant"]["minimum"][0][0]
        assert any(abs(float(c["d_star"]) - lo) < 1e-5 for c in r["descendant"]["crossings"] if c["d_star"])
