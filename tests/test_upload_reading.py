"""Uploads read like the seeds: official-document heads, web-page dates, Word headings and tables, readable ids."""

from __future__ import annotations

import io
from pathlib import Path

from retrieval.convert import to_text
from retrieval.corpus import parse_text
from retrieval.excerpt import citation
from retrieval.manage import add_file

NOTICE_HTML = """<html><head><title>常州市人大常委会召开代表工作座谈会_常州人大网</title></head>
<body><nav>首页 | 新闻中心 | 代表工作</nav>
<div class="article"><h1>常州市人大常委会召开代表工作座谈会</h1>
<div class="info">发布时间：2024-04-26 来源：常州人大 浏览次数：1024</div>
<p>4月25日，常州市人大常委会召开代表工作座谈会，听取各区人大代表工作情况汇报。</p>
<p>会议指出，要进一步完善代表联络站建设，推动代表履职常态化。</p>
</div><footer>版权所有 常州市人大常委会</footer></body></html>"""


def notice_docx() -> bytes:
    from docx import Document

    d = Document()
    d.add_paragraph("常州市人大常委会办公室文件")
    d.add_paragraph("常人大发〔2024〕5号")
    d.add_heading("关于做好2024年代表建议督办工作的通知", level=1)
    d.add_paragraph("各辖市、区人大常委会，市各有关部门：")
    d.add_paragraph("为进一步提高代表建议办理质量，现将有关事项通知如下。")
    d.add_heading("一、明确督办重点", level=2)
    d.add_paragraph("围绕民生实事项目，对重点建议实行主任会议成员领衔督办。")
    table = d.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("督办事项", "牵头单位", "完成时间"), strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("老旧小区改造", "市住建局", "2024年10月"), strict=True):
        cell.text = text
    d.add_heading("二、加强跟踪问效", level=2)
    d.add_paragraph("各承办单位要在规定时间内答复代表，并开展满意度测评。")
    d.add_paragraph("常州市人大常委会办公室")
    d.add_paragraph("二〇二四年三月十五日")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_a_web_page_reads_its_date_label_and_names_its_title_once() -> None:
    doc = parse_text("new", "notice.html", to_text("notice.html", NOTICE_HTML.encode()))
    assert doc.title == "常州市人大常委会召开代表工作座谈会"
    assert doc.date == "2024-04-26"
    title, first = doc.paragraphs[:2]
    assert title.printed and title.text.startswith("常州市人大常委会召开代表工作座谈会")
    assert citation(doc, first) == "《常州市人大常委会召开代表工作座谈会》（2024年4月26日） › 第2段"
    assert not any("浏览次数" in p.text for p in doc.paragraphs)


def test_an_official_document_keeps_its_head_headings_table_and_signature_date() -> None:
    doc = parse_text("new", "notice.docx", to_text("notice.docx", notice_docx()))
    assert doc.title == "关于做好2024年代表建议督办工作的通知"
    assert doc.articles[0].author == "常州市人大常委会办公室"
    assert doc.date == "2024-03-15"  # 二〇二四年三月十五日
    texts = [p.text for p in doc.paragraphs if not p.printed]
    # The file number is not a section and the addressees are not glued to the first paragraph.
    assert texts[0] == "为进一步提高代表建议办理质量，现将有关事项通知如下。"
    assert "常人大发〔2024〕5号" in doc.paragraphs[0].text and doc.paragraphs[0].printed
    assert all("〔2024〕" not in part for p in doc.paragraphs for part in p.section)
    # The table stands under the heading it was written under, each cell named by its column.
    row = next(p for p in doc.paragraphs if "老旧小区改造" in p.text)
    assert row.text == "督办事项：老旧小区改造；牵头单位：市住建局；完成时间：2024年10月"
    assert row.section[-1] == "一、明确督办重点"
    assert citation(doc, row).startswith(
        "《关于做好2024年代表建议督办工作的通知》（常州市人大常委会办公室，2024年3月15日）"
    )


def test_uploads_get_the_next_number_as_a_readable_id(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "000_seed.txt").write_text("人大代表工作会议召开。会议要求做好代表工作。\n", encoding="utf-8")
    (corpus / "004_other.txt").write_text("常委会召开主任会议。会议研究了监督工作。\n", encoding="utf-8")
    added = add_file(corpus, "常州 代表工作.docx", notice_docx(), [])
    assert added.path.name == "005_常州_代表工作.txt"
    assert added.document.doc_id == "005_常州_代表工作"
