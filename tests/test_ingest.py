"""Ingestion of each seed's quirks, and of files that are not clean UTF-8 text."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import doc

from retrieval.corpus import load_corpus, parse_text
from retrieval.ingest import IngestError, decode_bytes


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def body(document) -> list:
    """The paragraphs of the text, without the lines printed around it (title, byline…)."""
    return [p for p in document.paragraphs if not p.printed]


def test_page_break_join_drops_the_repeated_word(library) -> None:
    paragraphs = texts(doc(library, "000"))
    assert any("全面建设社会主义现代化国家全局" in t for t in paragraphs)
    assert not any("现代化现代化" in t for t in paragraphs)


def test_page_break_join_mid_sentence(library) -> None:
    # 000: "…走在了全省前" / "列。我们深切感到…" across a blank line.
    assert any("继续走在了全省前列。我们深切感到" in t for t in texts(doc(library, "000")))


def test_markdown_emphasis_and_headings_are_stripped(library) -> None:
    d = doc(library, "000")
    assert not any("*" in t or t.startswith("#") for t in texts(d))
    headings = [e.text for e in d.outline if e.kind == "heading"]
    assert "一、在继往开来中实现新一届人大工作良好开局" in headings


def test_heading_split_by_page_break_joins_its_paragraph(library) -> None:
    assert any(
        t.startswith("一要提高站位、统一思想，充分认识开展“创新年”活动的重要意义。今年是")
        for t in texts(doc(library, "000"))
    )


def test_advertising_and_widget_lines_are_dropped(library) -> None:
    joined = "\n".join(texts(doc(library, "002")))
    for residue in ("微信", "VIP专免", "侵权投诉", "展开>>", "21.88KB", "6 页", "海报"):
        assert residue not in joined


def test_duplicate_summary_is_dropped(library) -> None:
    d = doc(library, "002")
    opening = "习近平总书记在中央人大工作会议上提出"
    assert sum(opening in t for t in texts(d)) == 1
    assert any("重复内容" in w for w in d.warnings)


def test_hard_wrapped_lines_are_rejoined(library) -> None:
    d = doc(library, "002")
    assert any("人大不是二线,是全过程人民民主建设的第一线" in t for t in texts(d))
    assert d.title == "在市人大常委会“四个机关”建设动员会上的讲话"
    assert d.date == "2024-01-12"


def test_magazine_articles_authors_and_dates(library) -> None:
    d = doc(library, "003")
    assert d.publication == "民主法治建設" and d.issue == "2022年第6期"
    speeches = [a for a in d.articles if a.title == "在市委人大工作会议上的讲话"]
    assert [a.author for a in speeches] == ["马明龙", "徐曙海", "李健"]
    assert all(a.date == "2022-05-31" for a in speeches)
    assert any(a.title.startswith("以“三提高三提升”") and a.author == "丹阳市人大常委会办公室" for a in d.articles)


def test_masthead_and_contents_labels_are_not_answers(library) -> None:
    magazine = doc(library, "003")
    joined = "\n".join(p.text for p in body(magazine))
    for meta in ("准印证号", "◆ 卷首语", "卷首语", "目 录 Contents"):
        assert meta not in joined
    # The masthead is kept as printed lines, for a question about it, never as text.
    (masthead, *_) = [p for p in magazine.paragraphs if p.printed]
    assert masthead.number == 1 and "准印证号" in masthead.text and masthead.section == ("标题署名图注",)
    assert "卷首语" not in masthead.text


def test_contents_entries_and_art_credits_are_paragraphs_under_the_contents(library) -> None:
    """Readers cite a magazine by page: each entry (page, title, author, over however many lines) and
    each cover-art credit (with its photographer) is a paragraph, printed as the contents print it."""
    d = doc(library, "003")
    listed = [p for p in d.paragraphs if p.section[:2] == ("民主法治建設", "目录")]
    by_text = {p.text: p for p in listed}
    assert by_text["- 4 在市委人大工作会议上的讲话 / 马明龙"].section[2] == "特别关注"
    assert "50 全面加强和改进新时代开发区人大工作\n/ 镇江新区工委办公室" in by_text
    assert "38 学以致用 知行合一\n不断丰富和拓展代表小组的实践特色 / 钱进" in by_text
    assert by_text["封底 金山荷风\n摄影 / 佚 名"].section[2] == "书画摄影"
    assert by_text["52 2022年5月份"].article == -1
    assert len(listed) == 25 and not any(t.startswith("◆") or "Contents" in t for t in by_text)
    # Numbered in the order of the file, one run after the colophon, each cited by its own line.
    numbers = [p.number for p in listed]
    assert numbers == list(range(numbers[0], numbers[0] + 25))
    assert by_text["- 4 在市委人大工作会议上的讲话 / 马明龙"].line_start == 90


def test_colophon_lines_are_paragraphs_of_the_publication(library) -> None:
    """The magazine's staff and particulars (主编, 电话, 印数) are asked for: each keyed line is answerable."""
    d = doc(library, "003")
    colophon = [p for p in d.paragraphs if p.article == -1 and p.section == ("民主法治建設",)]
    lines = [p.text for p in colophon]
    assert "主 编:王丰江" in lines and "邮 编: 212050" in lines and "印 数: 6000" in lines
    # A value's continuation lines stay with their key; the next key starts a paragraph of its own.
    assert "副 主 任:陈鹏飞 张 蕾\n张纪成 邓国平" in lines
    assert "地 址: 镇江市行政中心2号楼\n(南徐大道68号)" in lines
    assert all(p.line_start <= q.line_start for p, q in zip(d.paragraphs, d.paragraphs[1:], strict=False))
    # The contents' own labels and the articles around the colophon are untouched.
    assert not any(p.text.startswith("◆") for p in d.paragraphs)
    assert [a.author for a in d.articles if a.title == "在市委人大工作会议上的讲话"] == ["马明龙", "徐曙海", "李健"]


def test_one_keyed_line_is_not_a_colophon() -> None:
    text = "某某刊物\n\n2022年第1期\n\n准印证号：S(2022)1\n\n正文第一段，讲的是人大工作。\n"
    d = parse_text("x", "x.txt", text)
    assert [p.text for p in body(d)] == ["正文第一段，讲的是人大工作。"]
    assert not d.publication.startswith("准印")


def test_section_paths_follow_headings(library) -> None:
    d = doc(library, "003")
    para = next(p for p in d.paragraphs if p.text.startswith("在全市党员人大代表中建立功能型党组织"))
    assert para.section[-1] == "一、主要内容"
    assert "代表小组建支部" in para.section[0]


def test_traditional_document_keeps_its_script(library) -> None:
    d = doc(library, "004")
    assert any("設立“人大代表議事廳”民主實踐平臺" in t for t in texts(d))
    assert {"無錫市", "泰州市"} <= {d.articles[p.article].title for p in d.paragraphs if p.article >= 0}


def test_identifiers_are_stable(library) -> None:
    for d in library.documents:
        assert [p.number for p in d.paragraphs] == list(range(1, len(d.paragraphs) + 1))
        assert all(1 <= p.line_start <= p.line_end for p in d.paragraphs)
        assert d.doc_id == Path(d.source).stem


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_legacy_encodings_are_detected(encoding: str) -> None:
    text = (
        "各级人大及其常委会要成为自觉坚持中国共产党领导的政治机关。"
        if encoding == "gb18030"
        else "各級人大及其常委會要成為自覺堅持中國共產黨領導的政治機關。"
    )
    decoded, used = decode_bytes((text * 3).encode(encoding))
    assert decoded == text * 3
    assert used in ("gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950")


def test_utf8_bom_is_removed() -> None:
    decoded, used = decode_bytes("\ufeff人民代表大会制度".encode())
    assert decoded == "人民代表大会制度" and used == "utf-8"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "空"),
        (b"   \n", "空"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "二进制"),
        (bytes(range(128, 256)) * 8, "无法识别文字编码"),
    ],
)
def test_bad_bytes_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(IngestError, match=reason):
        decode_bytes(data)


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("一、总体要求\n\n坚持人民代表大会制度，发展全过程人民民主。\n", encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes("人大代表要密切联系人民群众，反映群众意见和要求。".encode("gb18030"))
    (tmp_path / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "notes.csv").write_text("ignored", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert sorted(d.doc_id for d in corpus.documents) == ["gbk", "good"]
    assert any(e.startswith("image.md") and "二进制" in e for e in corpus.errors)
    assert any(e.startswith("empty.txt") and "空" in e for e in corpus.errors)


def test_synthetic_page_break_with_repeated_word() -> None:
    first = "会议指出，各级人大要把思想和行动统一到党中央决策部署上来，着眼全面建设社会主义现代化"
    text = f"会议纪要\n\n{first}\n\n现代化国家全局，这是一个完整的句子。\n\n二、下一部分\n\n新的段落。\n"
    d = parse_text("x", "x.txt", text)
    assert d.title == "会议纪要"
    assert [p.text for p in d.paragraphs if p.printed] == ["会议纪要"]
    assert body(d)[0].text == first + "国家全局，这是一个完整的句子。"
    assert body(d)[1].section == ("二、下一部分",)


def test_a_page_that_ends_inside_a_word_continues_the_sentence(library) -> None:
    # 003's chronicle: "市人大代表京口三组调研传" / "统企业“智改数转”工作…" — one entry, not a heading.
    d = doc(library, "003")
    assert any(t.startswith("市人大代表京口三组调研传统企业“智改数转”工作") for t in texts(d))
    assert not any(e.text.endswith("调研传") for e in d.outline)
    # 003: "…人大代表与人" / "民群众的联系。…" likewise.
    assert any("人大代表与人民群众的联系。全面开展" in t for t in texts(d))


def test_a_title_that_ends_on_a_word_stays_a_title() -> None:
    # A word across the break made of two words (监督 / 工作) is no sign of a cut.
    text = (
        "会议纪要\n\n二、加强人大监督\n\n工作是人大的重要职责，要依法开展监督。\n\n三是抓好党\n\n建工作，落实责任。\n"
    )
    d = parse_text("x", "x.txt", text)
    assert body(d)[0].section == ("二、加强人大监督",)
    assert body(d)[0].text.startswith("工作是人大")
    assert any(p.text == "三是抓好党建工作，落实责任。" for p in d.paragraphs)


def test_a_line_wrapped_just_before_a_page_break_is_not_a_heading() -> None:
    # PDF text wrapped at 24 characters; a paragraph's first line fills the width and the page ends there.
    wrapped = [
        "各级人大常委会要切实加强自身建设，不断提高依法履职",
        "能力和水平，认真落实中央和省委关于人大工作的部署，",
        "把党的领导贯穿人大工作全过程各方面，确保人大工作始",
        "终沿着正确政治方向前进，更好发挥根本政治制度作用。",
    ] * 3
    body = "\n".join(wrapped)
    first = "市人大常委会将进一步完善代表联系人民群众的制度机制"
    text = f"会议纪要\n\n{body}\n\n{first}\n\n和工作平台，推动代表履职常态化。\n\n{body}\n"
    d = parse_text("x", "x.txt", text)
    assert any(p.text == first + "和工作平台，推动代表履职常态化。" for p in d.paragraphs)
    assert not any(e.text == first for e in d.outline)


def test_a_chronicle_is_dated_by_its_month(library) -> None:
    from retrieval import citation

    d = doc(library, "003")
    chronicle = next(a for a in d.articles if a.title == "大事记")
    assert chronicle.date == "2022-05"  # "(2022年5月)" under the title
    entry = next(p for p in d.paragraphs if p.text.startswith("6日 李健召开群众诉求工作专题座谈会"))
    assert "大事记（2022年5月）" in citation(d, entry)


def test_a_back_page_colophon_becomes_paragraphs() -> None:
    text = (
        "某某刊物\n\n2022年第1期\n\n正文第一段，讲的是人大工作。\n\n"
        "地 址: 某市行政中心\n(某某大道1号)\n邮 编: 100000\n电 话: 010—12345678\n印 数: 3000\n"
    )
    d = parse_text("x", "x.txt", text)
    lines = [p.text for p in d.paragraphs]
    assert "地 址: 某市行政中心\n(某某大道1号)" in lines and "印 数: 3000" in lines
    assert all(p.article == -1 for p in d.paragraphs if "邮 编" in p.text)


def test_sentences_typed_one_a_line_stay_paragraphs() -> None:
    """Lines of similar length that each end a sentence are not hard-wrapped: each is a paragraph.

    A 10-line notice pasted into a .txt file was joined into one paragraph (every citation 第1段, the
    title run into the text), because similar lengths alone read as a wrap width.
    """
    lines = ["关于做好2024年代表建议办理工作的通知"] + [
        f"第{i}项，市人大常委会要求各承办单位高度重视代表建议办理工作，确保按期办结。" for i in range(1, 10)
    ]
    for newline in ("\n", "\r\n"):
        doc = parse_text("x", "x.txt", newline.join(lines) + newline)
        assert doc.title == lines[0]
        assert [p.text for p in doc.paragraphs] == lines
    # A hard-wrapped text (few of its full lines end a sentence) is still re-joined.
    prose = "市人大常委会要求各承办单位高度重视代表建议办理工作确保按期办结并及时答复代表" * 8
    wrapped = "\n".join(prose[i : i + 30] for i in range(0, len(prose), 30)) + "。\n"
    assert len(parse_text("y", "y.txt", wrapped).paragraphs) == 1
