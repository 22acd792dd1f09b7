"""The plain records that flow from ingestion to search: no behaviour, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

# The last section of a paragraph made of the lines printed around the text (masthead, title,
# byline, date, file number, caption; structure.py): the words are those questions about them use.
PRINTED = "标题署名图注"


@dataclass
class Block:
    """A rebuilt paragraph of the source before its role is known.

    ``md_level`` is the Markdown heading level (0 for none); lines are 1-based
    and inclusive so a reader can open the file at the right place.
    """

    text: str
    line_start: int
    line_end: int
    md_level: int = 0
    bullet: str = ""  # the list mark its first line began with (kept only where it is printed matter: contents)


@dataclass
class Article:
    """One article of a magazine issue (or the single speech of a bulletin)."""

    title: str
    author: str = ""
    date: str = ""
    first_paragraph: int = 0
    subtitle: str = ""

    @property
    def label(self) -> str:
        """How a section path names the article: its title, with the byline in brackets when there is one."""
        if not self.author or self.author.replace(" ", "") == self.title.replace(" ", ""):
            return self.title
        return f"{self.title}（{self.author}）"


@dataclass
class OutlineEntry:
    """A line of ``outline``: what a structural element is and where it stands."""

    kind: str  # publication | title | article | byline | date | heading | toc | meta
    text: str
    level: int
    line: int
    paragraph: int = 0  # the first body paragraph it governs, 0 for none


@dataclass
class Paragraph:
    """An answerable paragraph: original words, its place in the document, its source lines."""

    doc_id: str
    number: int
    text: str
    section: tuple[str, ...]
    line_start: int
    line_end: int
    article: int = -1  # index into Document.articles, -1 for none

    @property
    def printed(self) -> bool:
        """Lines printed around the text, not a paragraph of it: no digest opening, formula count or lead-in."""
        return is_printed(self.section)


def is_printed(section: tuple[str, ...]) -> bool:
    """Whether a section path is that of the printed lines (``PRINTED``), readable without the text."""
    return bool(section) and section[-1] == PRINTED


@dataclass
class Document:
    doc_id: str
    source: str
    title: str
    publication: str = ""
    issue: str = ""
    date: str = ""
    author: str = ""  # who signed the whole document; 未署名 for an unsigned speech
    derived_title: bool = False  # the title was put together from the text, not found in it
    sha256: str = ""
    encoding: str = "utf-8"
    paragraphs: list[Paragraph] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    outline: list[OutlineEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How citations name the document: 《刊名》期号 for periodicals, 《标题》 otherwise."""
        if self.publication:
            return f"《{self.publication}》{self.issue}"
        if self.derived_title:
            # Book-title marks belong to real titles; a derived one says what it is.
            return f"{self.title}〔标题系整理〕"
        return f"《{self.title}》"
