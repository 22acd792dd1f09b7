"""Who said it and when: what the recovered structure and the text itself say about a paragraph's voice.

A reader about to quote a passage asks "谁讲的？" or "谁主持的？".  Three
sources answer it, most specific first: the paragraph's own report of who
spoke or presided ("市委书记马明龙出席会议并讲话。市委副书记、市长徐曙海主持会议。"),
the byline of the article or speech it belongs to, and the document's own
signature (an anonymised speech is said to be unsigned, not guessed at).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .analysis import fold
from .excerpt import author_names, human_date
from .model import Document, Paragraph

# One clause of a report: who (with their office), then what they did.  重要讲话 alone is a noun
# (学习贯彻总书记重要讲话精神); as an act it is 发表/作重要讲话.
_ACT = re.compile(
    # Who is a name with its office, never a clause opening with a function word (是对…, 把学习贯彻…).
    r"^(?P<who>(?![是把对将以为在和与的及从向])[^，。；;:：“”]{2,24}?)(?:同志)?"
    r"(?:出席(?:会议|活动|大会)?并|代表[^，。；]{1,8}|就[^，。；]{1,30}?|在[^，。；]{1,30}?上)?"
    r"(?P<act>发表(?:重要)?讲话|作了?(?:重要)?讲话|(?<!重要)讲话|主持(?:会议|大会|座谈会)?|致辞|作了?[^，。；]{0,10}报告|解读[^，。；]{0,8})"
)
_CLAUSES = re.compile(r"[，,。；;！!？?]")
_DATE_PREFIX = re.compile(r"^\d{1,2}月\d{1,2}日(?:[上下]午)?|^\d{1,2}日\s*")
_KINDS = (("主持", "主持"), ("讲话", "讲话"), ("致辞", "致辞"), ("报告", "作报告"), ("解读", "解读"))


@dataclass(frozen=True)
class Statement:
    """Someone the paragraph reports doing something at a meeting: 徐曙海 / 主持."""

    who: str
    act: str


@dataclass(frozen=True)
class Attribution:
    """A paragraph's voice: the reported speakers, the byline it stands under, and the date."""

    statements: tuple[Statement, ...]
    byline: str  # the article's or document's author; 未署名 for an unsigned speech; "" when unknown
    speech: bool  # the byline is a speaker (a speech), not an author or a news source
    title: str
    date: str

    def lines(self, act: str = "") -> list[str]:
        """The answer in plain Chinese, the reported act asked about (主持, 讲话) first."""
        out: list[str] = []
        ordered = sorted(self.statements, key=lambda s: bool(act) and s.act != act)
        for s in ordered:
            out.append(f"{s.who}{'主持会议' if s.act == '主持' else s.act}（本段所述）")
        when = f"，{human_date(self.date)}" if self.date else ""
        if self.byline == "未署名":
            out.append(f"《{self.title}》未署名{when}")
        elif self.byline:
            role = "讲话" if self.speech else "署名"
            out.append(f"{role}：{self.byline}（{self.title}{when}）")
        return out


def statements(text: str) -> tuple[Statement, ...]:
    """Who the text reports speaking, presiding, reporting or explaining, in order, without repeats."""
    found: dict[Statement, None] = {}
    for clause in _CLAUSES.split(text):
        clause = _DATE_PREFIX.sub("", clause.strip()).strip()
        m = _ACT.match(clause)
        if not m:
            continue
        act = next(name for key, name in _KINDS if key in m.group("act"))
        found.setdefault(Statement(m.group("who").strip(), act), None)
    return tuple(found)


def attribute(doc: Document, paragraph: Paragraph) -> Attribution:
    """Everything the corpus says about who speaks in ``paragraph`` and when."""
    article = doc.articles[paragraph.article] if 0 <= paragraph.article < len(doc.articles) else None
    if article is not None and article.author:
        title, byline, date = article.title, article.author, article.date or doc.date
        speech = "讲话" in title or "讲话" in article.subtitle
    elif article is not None and not doc.author:
        # An article nobody signed (an editor's note): say so rather than borrow a neighbour's byline.
        title, byline, date, speech = article.title, "未署名", article.date or doc.date, False
    else:
        title, byline, date = doc.title, doc.author, doc.date
        speech = doc.author == "未署名" or "讲话" in doc.title
    return Attribution(statements(paragraph.text), author_names(byline), speech, title, date)


# A question about what someone said: 马明龙讲了哪几个方面 · 徐劼讲话的主要内容是什么 · 李健谈了什么.
_ASKS_CONTENT = re.compile(r"讲了|讲话|讲的|谈了|谈到|说了|内容|方面|要点|部署|提出了?什么|发言")
_ASKS = re.compile(r"什么|哪|几|怎么|如何|主要|内容|要点|方面|\?")  # a question, not a report that someone spoke


@dataclass(frozen=True)
class SpeechOutline:
    """A signed article or speech and its top-level headings: what someone said, in their own headings."""

    doc_id: str
    article: int
    who: str
    title: str
    date: str
    headings: tuple[tuple[str, int], ...]  # heading text, first paragraph it governs


class Speeches:
    """Signed articles by the name of who signed them, read once per library (documents are decoded lazily)."""

    def __init__(self, documents: list[Document]) -> None:
        self._by_name: dict[str, list[SpeechOutline]] = {}
        for doc in documents:
            for i, art in enumerate(doc.articles):
                name = fold(art.author.replace(" ", ""))
                if len(name) < 2 or name == fold(art.title):
                    continue
                self._by_name.setdefault(name, []).append(_outline(doc, i))

    def asked(self, question: str, best: Callable[[], tuple[str, int] | None] = lambda: None) -> list[SpeechOutline]:
        """The speeches of the person a question names, when it asks what they said; else nothing.

        ``best`` gives the (document, article) of the search's best passage; it
        is called only for a question about someone's speech, since finding the
        article may decode a document.  When it is one of the person's own
        articles, the question is about that one (李健在法检两院行动员大会上讲了什么):
        only its outline is shown, none if it has no headings; otherwise every
        speech of theirs that has headings.
        """
        q = fold(question)
        if not (_ASKS_CONTENT.search(q) and _ASKS.search(q)):
            return []
        named = [o for name in self._by_name if name in q for o in self._by_name[name]]
        if not named:
            return []
        where = best()
        chosen = [o for o in named if (o.doc_id, o.article) == where]
        return [o for o in chosen or named if o.headings]


def _outline(doc: Document, index: int) -> SpeechOutline:
    art = doc.articles[index]
    end = doc.articles[index + 1].first_paragraph if index + 1 < len(doc.articles) else len(doc.paragraphs) + 1
    headings = tuple(
        (e.text, e.paragraph)
        for e in doc.outline
        if e.kind == "heading" and e.level == 1 and art.first_paragraph <= e.paragraph < end
    )
    return SpeechOutline(doc.doc_id, index, art.author.replace(" ", ""), art.title, art.date or doc.date, headings)
