from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from receipts.layout import Line, QrCode, lay_out, normalise_language, wrap
from receipts.markup import Field, Row, Style, Text
from receipts.profile import PrinterProfile, text_columns


def test_cjk_counts_two_columns() -> None:
    assert text_columns("维修ab，") == 8
    assert wrap("一二三四五六七八九十", 10) == ["一二三四五", "六七八九十"]


def test_mixed_text_wraps_at_spaces_and_between_cjk() -> None:
    lines = wrap("空调 not cooling 出风口有异响", 12)
    assert lines == ["空调 not", "cooling 出风", "口有异响"]
    assert all(text_columns(x) <= 12 for x in lines)


def test_closing_punctuation_does_not_start_a_line() -> None:
    assert wrap("一二三四五，六", 10) == ["一二三四", "五，六"]
    assert wrap("温度30℃，好", 6)[1][0] != "℃"


def test_long_word_is_split_and_hard_breaks_kept() -> None:
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert wrap("a\nb", 10) == ["a", "b"]


@given(st.text(alphabet=st.sampled_from(list("ab cd，。维修空调x1-") + ["\n"]), max_size=200),
       st.integers(min_value=2, max_value=48))
def test_no_line_is_wider_than_the_paper(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(text_columns(x) <= width for x in lines)
    assert "".join(lines).replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_field_continuation_lines_hang_under_the_value() -> None:
    lines = lay_out([Field("内容：", "护士站空调不制冷出风口有异响")], PrinterProfile(columns=20))
    assert [x.text for x in lines if isinstance(x, Line)] == ["内容：护士站空调不制", "      冷出风口有异响"]


def test_big_text_gets_half_the_columns() -> None:
    lines = lay_out([Text("一二三四五六七八九十", Style(big=True))], PrinterProfile(columns=32))
    assert [text_columns(x.text) for x in lines if isinstance(x, Line)] == [16, 4]


def test_row_puts_quantity_flush_right() -> None:
    [line] = lay_out([Row("宫保鸡丁", "x2")], PrinterProfile(columns=32))
    assert isinstance(line, Line)
    assert line.text.endswith("x2") and text_columns(line.text) == 32


def test_slip_on_58mm_fits(renderer, profile58) -> None:  # type: ignore[no-untyped-def]
    from receipts.samples import sample_snapshot

    for lang in ("zh-CN", "en"):
        for kind in ("slip", "kitchen"):
            laid = renderer.lay_out(sample_snapshot(lang, kind), profile58)
            for x in laid:
                if isinstance(x, Line):
                    assert text_columns(x.text) <= 32 // x.style.scale, x
            assert any(isinstance(x, QrCode) for x in laid)


def test_language_and_template_choice(renderer) -> None:  # type: ignore[no-untyped-def]
    assert normalise_language("zh_CN") == "zh-CN" and normalise_language("en-US") == "en"
    assert normalise_language("fr") == "zh-CN"
    assert renderer.template_name("slip", "cleaning", "en") == "slip.cleaning.en.j2"
    assert renderer.template_name("slip", "repair", "en") == "slip.en.j2"
    assert renderer.template_name("kitchen", "meals", "zh") == "kitchen.zh-CN.j2"
    assert renderer.template_name("weird", "repair", "de") == "slip.zh-CN.j2"


def test_cleaning_slip_prints_its_details(renderer, profile80) -> None:  # type: ignore[no-untyped-def]
    from receipts.samples import sample_snapshot

    snap = sample_snapshot()
    snap.update(service_type="cleaning", details={"cleaning": {"area": "三楼走廊",
                                                               "kind": "terminal_disinfection"}})
    text = "\n".join(x.text for x in renderer.lay_out(snap, profile80) if isinstance(x, Line))
    assert "保洁区域：三楼走廊" in text and "终末消毒" in text


def test_a_sparse_snapshot_still_prints(renderer, profile80) -> None:  # type: ignore[no-untyped-def]
    laid = renderer.lay_out({"ticket_id": 7}, profile80)
    text = "\n".join(x.text for x in laid if isinstance(x, Line))
    assert "No.7" in text and "（未派工）" in text
