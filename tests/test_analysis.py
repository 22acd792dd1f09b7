"""Folding and segmentation."""

from __future__ import annotations

from retrieval.analysis import fold, fold_with_map, harvest_terms


def test_fold_script_width_and_space() -> None:
    assert fold("無錫市設立了什麼民主實踐平臺") == "无锡市设立了什么民主实践平台"
    assert fold("ＡＢＣ１２３，") == "abc123,"
    assert fold("人民 代表\u3000大会**制度**") == "人民代表大会制度"


def test_fold_map_points_at_original_characters() -> None:
    original = "**鎮江** 市委，５月"
    folded, origin = fold_with_map(original)
    assert folded == "镇江市委,5月"
    assert [original[i] for i in origin] == list("鎮江市委，５月")


def test_domain_terms_stay_whole(library) -> None:
    tokens = library.analyzer.tokens(fold("四个机关、全过程人民民主、两个确立、一府一委两院"))
    for term in ("四个机关", "全过程人民民主", "两个确立", "一府一委两院"):
        assert term in tokens
    # Sub-words are indexed too, so a shorter query still matches.
    assert {"机关", "人民", "民主"} <= set(tokens)


def test_quoted_formulas_are_harvested() -> None:
    assert harvest_terms(["建立“五专”机制，打造“法治人大”和“双周五微论坛”"]) == ["法治人大", "双周五微论坛"]


def test_stop_words_and_punctuation_are_not_tokens(library) -> None:
    tokens = library.analyzer.tokens(fold("镇江市委人大工作会议是哪天召开的？"))
    assert "是" not in tokens and "哪天" not in tokens and "的" not in tokens and "?" not in tokens
    assert "召开" in tokens
