"""Folding and segmentation: the one place where text becomes match keys.

Paragraphs and queries go through the same functions, so a user who types
Traditional characters, full-width digits or stray spaces meets the corpus on
equal terms.  Display never uses the folded form: ``fold_with_map`` keeps an
offset map back to the original so that excerpts can mark matches in the
paragraph's own characters.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from math import log
from pathlib import Path

import jieba
import opencc
from jieba import finalseg

from . import compiled_cut
from .compiled_cut import CompiledCut

DATA_DIR = Path(__file__).with_name("data")

_FOLD_CACHE = 16_384  # folded texts remembered (a 1,000-paragraph document's lines and paragraphs)

# Characters that never carry meaning for matching.  ``*`` is Markdown
# emphasis residue; white space in Chinese text is layout, not a separator.
_DROP = set(" \t\r\n\u3000\u00a0\u200b\u200c\u200d\ufeff*")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_WORDISH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")

jieba.setLogLevel(logging.WARNING)
# How jieba's cut (HMM mode) splits a text into the runs it segments one by one.
_RE_HAN = jieba.re_han_default
_RE_SKIP = jieba.re_skip_default


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _nfkc_char(ch: str) -> str:
    out = unicodedata.normalize("NFKC", ch).lower()
    return "".join(c for c in out if c not in _DROP)


class _FoldTable(dict):
    """Per-character NFKC/lower/drop results, filled on first sight, for ``str.translate``."""

    def __missing__(self, code: int) -> str:
        out = _nfkc_char(chr(code))
        self[code] = out
        return out


_TABLE = _FoldTable()
# White space is layout in Chinese text and is dropped, but between two Latin
# letters or digits it separates words ("service platform"): such a run is
# kept as one space.  The markers keep the string's length, so offsets hold.
_KEEP, _DROP_MARK = "\x1f", "\x1e"
_TABLE[ord(_KEEP)] = " "
_TABLE[ord(_DROP_MARK)] = ""
_LATIN_GAP = re.compile(r"(?<=[A-Za-z0-9])[ \t]+(?=[A-Za-z0-9])")


def _width_fold(text: str) -> str:
    return _mark_gaps(text).translate(_TABLE)


def _mark_gaps(text: str) -> str:
    if " " not in text and "\t" not in text:
        return text
    return _LATIN_GAP.sub(lambda m: _KEEP + _DROP_MARK * (len(m.group()) - 1), text)


# Characters known to fold to exactly one character: a text made only of
# them maps position for position, which a set inclusion tells in C.
_ONE_TO_ONE: set[str] = set()


def _origin(marked: str) -> Sequence[int]:
    """For each folded character of gap-marked text, its index in the text (``range`` when one to one).

    Only the few characters that fold to none or several (spaces, ligatures)
    are visited one by one; the stretches between them are copied as ranges.
    """
    chars = set(marked)
    if chars <= _ONE_TO_ONE:
        return range(len(marked))
    _ONE_TO_ONE.update(ch for ch in chars if len(_TABLE[ord(ch)]) == 1)
    odd = chars - _ONE_TO_ONE
    if not odd:
        return range(len(marked))
    origin: list[int] = []
    at = 0
    for m in re.finditer("[" + "".join(re.escape(ch) for ch in odd) + "]", marked):
        i = m.start()
        origin.extend(range(at, i))
        origin.extend([i] * len(_TABLE[ord(marked[i])]))
        at = i + 1
    origin.extend(range(at, len(marked)))
    return origin


def fold_origin(text: str) -> Sequence[int]:
    """The offset map of :func:`fold_with_map` alone, for a text whose folded form is already known.

    Excerpts need only the map (the index stores the folded text), and
    OpenCC over the whole paragraph was most of what the map cost.
    """
    return _origin(_mark_gaps(text))


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and return, for each folded character, its index in ``text``.

    NFKC and dropping are done per character so the map is exact (and a
    translation table makes that cheap); OpenCC runs on the whole string (it
    converts phrases, not just characters) and is only trusted
    position-for-position when it keeps the length, which t2s does for all
    but rare phrase rewrites; otherwise each character is converted alone so
    that the map stays right.
    """
    marked = _mark_gaps(text)
    nfkc = marked.translate(_TABLE)
    origin = list(_origin(marked))
    converted = _t2s().convert(nfkc)
    if len(converted) != len(nfkc):
        converted = "".join(_t2s().convert(c) or c for c in nfkc)
        if len(converted) != len(nfkc):  # pragma: no cover - defensive
            converted = nfkc
    return converted, origin


@lru_cache(maxsize=_FOLD_CACHE)
def fold(text: str) -> str:
    """The match key of a text: NFKC, lower case, Traditional→Simplified, no spaces or ``*``.

    Remembered for the last few thousand texts: ingestion, structure, context
    and the build fold each paragraph of a document four times over.
    """
    nfkc = _width_fold(text)
    converted = _t2s().convert(nfkc)
    if len(converted) != len(nfkc):
        return fold_with_map(text)[0]
    return converted


class _CaseTable(dict):
    """Per-character NFKC + lower case (``*`` dropped, spaces kept), for ``str.translate``."""

    def __missing__(self, code: int) -> str:
        out = "" if code == ord("*") else unicodedata.normalize("NFKC", chr(code)).lower()
        self[code] = out
        return out


_CASE_TABLE = _CaseTable()
# Characters whose NFKC depends on their neighbours (combining marks, jamo):
# text holding any of them is normalised whole.
_COMPOSING = re.compile(
    r"[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u065f\u0900-\u0dff\u1100-\u11ff"
    r"\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a\ufe20-\ufe2f]"
)


@lru_cache(maxsize=_FOLD_CACHE)
def fold_keep_spaces(text: str) -> str:
    """Like :func:`fold` but keeps single spaces, for commands whose words are space separated.

    Ingestion calls this for every line, so NFKC goes through a per-character
    table (a whole-string ``normalize`` cost 10 µs a line) unless the text
    holds characters that compose with their neighbours.
    """
    if _COMPOSING.search(text):
        out = unicodedata.normalize("NFKC", text).lower().replace("*", "")
    else:
        out = text.translate(_CASE_TABLE)
    out = re.sub(r"\s+", " ", out).strip()
    return _t2s().convert(out)


def has_content(text: str) -> bool:
    """True when a text has at least one letter, digit or Chinese character.

    A unified ideograph is its own NFKC and composes with nothing, so a text
    holding one is decided without normalising it (ingestion asks this of
    every block, and NFKC of a long paragraph cost 40 µs).
    """
    return bool(_IDEOGRAPH.search(text) or _WORDISH.search(unicodedata.normalize("NFKC", text)))


def is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def _load_lines(name: str) -> list[str]:
    path = DATA_DIR / name
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(fold(w) for w in _load_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def curated_terms() -> tuple[str, ...]:
    return tuple(fold(w) for w in _load_lines("domain_terms.txt"))


_QUOTED = re.compile(r"[“\"「『‘]([\u4e00-\u9fff]{3,8})[”\"」』’]")


def harvest_terms(folded_texts: Iterable[str]) -> list[str]:
    """Domain terms found in the corpus itself: short quoted formulas such as “四个机关”.

    Official writing quotes its formulas, so a quoted run of three to eight
    Chinese characters is nearly always a term that must stay whole.
    """
    found: dict[str, None] = {}
    for text in folded_texts:
        for m in _QUOTED.finditer(text):
            found.setdefault(m.group(1), None)
    return list(found)


_FREQ_CACHE_NAME = "jieba-freq-0.42.1.json"
_SHARED: OrderedDict[tuple, Analyzer] = OrderedDict()  # Analyzer.shared: the libraries' analyzers, newest last
_SHARED_KEEP = 2  # the build a process answers from and the one it is about to switch to
_SHARED_LOCK = threading.Lock()
_CLAUSE_CACHE = 100_000  # segmented clauses a tokenizer remembers
_SUB_CACHE = 200_000  # words whose sub-words are remembered


class Analyzer:
    """jieba with the domain dictionary; the same instance segments paragraphs and queries.

    The dictionary is loaded from a JSON copy in the cache folder because
    jieba's own marshal cache takes about 1.5 s to read on these machines and
    a cold CLI search must finish well under that.
    """

    def __init__(self, domain_terms: Sequence[str] = (), cache_dir: Path | None = None) -> None:
        self.domain_terms: list[str] = list(dict.fromkeys([*curated_terms(), *domain_terms]))
        self._tk = _make_tokenizer(cache_dir)
        for term in self.domain_terms:
            # A frequency high enough to win over the split reading, as
            # ``suggest_freq(term, tune=True)`` would compute, but without
            # segmenting each term first.
            self._tk.add_word(term, freq=max(self._tk.FREQ.get(term, 0), 2000))
        self._stop = stopwords()
        # Sub-words are a pure function of the word and words follow Zipf's
        # law: remembering them saves a third of the segmentation time.
        self._subs: dict[str, list[tuple[str, int]]] = {}
        self._runs: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
        self._domain: frozenset[str] | None = None

    @classmethod
    def shared(cls, domain_terms: Sequence[str], cache_dir: Path | None = None) -> Analyzer:
        """An analyzer for this dictionary, the same instance as the last library opened with it had.

        Building one reads jieba's 350,000-word dictionary (0.2 s).  A new
        build after an upload keeps the base's dictionary (a delta that would
        segment differently is refused), so the bot's process and each search
        worker opening it reuse the analyzer they hold; a worker opening the
        new build is then busy 0.1 s instead of 0.3 s while questions wait.
        Everything an analyzer remembers (sub-words, segmented clauses) is a
        function of its dictionary, so sharing it changes no result.
        """
        path = (cache_dir / _FREQ_CACHE_NAME) if cache_dir else None
        try:
            stat = path.stat() if path is not None else None
            copy = (str(path), stat.st_size, stat.st_mtime_ns) if stat is not None else None
        except OSError:
            copy = None
        key = (copy, tuple(domain_terms))
        with _SHARED_LOCK:
            held = _SHARED.get(key)
            if held is not None:
                _SHARED.move_to_end(key)
                return held
        made = cls(domain_terms, cache_dir)
        with _SHARED_LOCK:
            _SHARED[key] = made
            while len(_SHARED) > _SHARED_KEEP:
                _SHARED.popitem(last=False)
        return made

    def use_compiled(self) -> bool:
        """Segment in compiled code (the same words; for builds, where segmenting is most of the time)."""
        return self._tk.use_compiled()

    def tokens(self, folded: str) -> list[str]:
        """Index/query tokens of folded text: jieba words plus every dictionary sub-word.

        ``cut_for_search`` adds only two- and three-character sub-words; a
        long domain term such as 全过程人民民主 must also be found by 人民民主,
        so all sub-words known to the dictionary are added.
        """
        return [t for t, _ in self.spans(folded)]

    def spans(self, folded: str) -> list[tuple[str, int]]:
        """The tokens of :meth:`tokens` with the offset in ``folded`` where each starts.

        Passage scoring needs to know which sentence a token belongs to; a
        sub-word follows the word it came from and carries its own offset.
        """
        out: list[tuple[str, int]] = []
        for at, run in self.runs(folded):
            terms, offsets = self.run_tokens(run)
            out.extend(zip(terms, [at + o for o in offsets], strict=True))
        return out

    @staticmethod
    def runs(folded: str) -> Iterator[tuple[int, str]]:
        """The runs jieba segments one by one, with their offsets: Chinese clauses, and the text between.

        A run's tokens depend on nothing else (:meth:`run_tokens`): official
        writing repeats its clauses, so a build turns each distinct run into
        term ids once and assembles paragraphs from them.
        """
        at = 0
        for run in _RE_HAN.split(folded):
            if run:
                yield at, run
                at += len(run)

    def run_tokens(self, run: str, remember: bool = True) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """One run's tokens and their offsets in it: jieba's words, stop words out, sub-words after each word.

        ``remember=False`` is for a caller that keeps its own table of runs
        (a build worker): a second copy would cost memory and time on text
        whose runs seldom repeat.
        """
        got = self._runs.get(run)
        if got is not None:
            return got
        if _RE_HAN.match(run):
            # The tokenizer's own clause memory serves the query path; a build worker keeps its own.
            words: Iterable[str] = self._tk._Tokenizer__cut_DAG(run) if remember else self._tk.clause_words(run)
        else:  # jieba's cut outside Chinese runs: white space whole, every other character alone
            words = [x for piece in _RE_SKIP.split(run) for x in ((piece,) if _RE_SKIP.match(piece) else piece)]
        terms: list[str] = []
        offsets: list[int] = []
        freq = self._tk.FREQ
        stop = self._stop
        subs_of = self._subs
        at = 0
        for word in words:
            start = at
            at += len(word)
            if not _WORDISH.search(word):
                continue
            if word not in stop:
                terms.append(word)
                offsets.append(start)
            if len(word) > 2:
                subs = subs_of.get(word)
                if subs is None:
                    subs = _sub_words(word, freq, stop)
                    if len(subs_of) >= _SUB_CACHE:
                        subs_of.clear()
                    subs_of[word] = subs
                for sub, offset in subs:
                    terms.append(sub)
                    offsets.append(start + offset)
        got = (tuple(terms), tuple(offsets))
        if remember:
            if len(self._runs) >= _CLAUSE_CACHE:
                self._runs.clear()
            self._runs[run] = got
        return got

    def content_words(self, folded: str) -> list[str]:
        """The words of a question that carry its content: jieba words, no stop words, no single characters.

        A lone character (立, 部) says too little to tell an answering
        passage from an unrelated one, unless it is all the query has.
        """
        words = [w for w in self.words(folded) if w not in self._stop]
        long = [w for w in words if len(w) >= 2]
        return long or words

    def words(self, folded: str) -> list[str]:
        """Plain jieba segmentation (no sub-words, no stop-word removal), for display and keywords."""
        return [w for w in self._tk.cut(folded, HMM=True) if _WORDISH.search(w)]

    def is_known(self, word: str) -> bool:
        return bool(self._tk.FREQ.get(word))

    def is_common_word(self, word: str) -> bool:
        """A word of jieba's own dictionary, not one of the corpus's domain terms (二维码, 七嘴八舌 — not 四个机关)."""
        if self._domain is None:
            self._domain = frozenset(self.domain_terms)
        return self.is_known(word) and word not in self._domain


def _sub_words(word: str, freq: dict[str, int], stop: frozenset[str]) -> list[tuple[str, int]]:
    """Every dictionary word inside ``word`` (shorter than it), ordered by length then offset.

    jieba's frequency table holds every prefix of every dictionary word (with
    frequency 0 for prefixes that are not words themselves), so the walk from
    each offset stops at the first substring that no word starts with.  The
    cost is linear in the word times the longest dictionary word, instead of
    quadratic: a 10,000-character run of one letter costs milliseconds, not
    the 40 s that listing all its substrings took.
    """
    n = len(word)
    found: list[tuple[int, int, str]] = []
    for offset in range(n - 1):
        end = offset + 2
        limit = n if offset else n - 1  # the whole word is not its own sub-word
        while end <= limit:
            sub = word[offset:end]
            f = freq.get(sub)
            if f is None:
                break
            if f and sub not in stop:
                found.append((end - offset, offset, sub))
            end += 1
    found.sort()
    return [(sub, offset) for _, offset, sub in found]


class _FastTokenizer(jieba.Tokenizer):
    """jieba's tokenizer with its route search done in one pass: the same words, in 60 % of the time.

    jieba builds a DAG of every dictionary word at every offset, then finds
    the most probable route with a generator per character; at a million
    paragraphs those two functions are most of the build.  Here the DAG walk
    and the route step are fused and each word's log-frequency is computed
    once (the dictionary is not changed after the analyzer is set up).  The
    arithmetic is jieba's own, so the route — and every token — is jieba's;
    a test compares the two.  One deliberate difference: where two routes
    score exactly alike (哈哈哈|哈哈 against 哈哈|哈哈哈, or two domain terms
    of equal frequency) the shorter word is kept, as the compiled cut that
    builds use (:mod:`compiled_cut`) does, instead of jieba's longer one.  No
    paragraph of the seeds and no eval question segments differently.
    """

    def __init__(self) -> None:
        super().__init__()
        self._logs: dict[str, float] = {}
        # Words of each clause already segmented (a clause is what jieba cuts
        # between punctuation): official writing repeats its clauses, so at
        # build time many are seen again.  Cleared when the dictionary changes.
        self._clauses: dict[str, tuple[str, ...]] = {}
        self.clause_hits = 0
        self.clause_misses = 0
        self._compiled: CompiledCut | None = None
        self._want_compiled = False

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self._clauses.clear()
        self._compiled = None  # built again, lazily, from the changed dictionary
        super().add_word(word, freq, tag)

    def use_compiled(self) -> bool:
        """Cut Chinese clauses in compiled code from now on (see :mod:`compiled_cut`); False where unavailable."""
        self._want_compiled = compiled_cut.available()
        return self._want_compiled

    def route(self, sentence: str) -> list[int]:
        """For each offset, the end (exclusive) of the word the best route takes there."""
        freq = self.FREQ
        logs = self._logs
        logtotal = log(self.total)
        n = len(sentence)
        score = [0.0] * (n + 1)
        end = [0] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best = None
            best_end = idx + 1
            i = idx + 1
            frag = sentence[idx]
            while True:
                f = freq.get(frag)
                if f is None:
                    break
                if f:
                    lf = logs.get(frag)
                    if lf is None:
                        lf = logs[frag] = log(f)
                    sc = lf - logtotal + score[i]
                    if best is None or sc > best:
                        best, best_end = sc, i
                if i >= n:
                    break
                i += 1
                frag = sentence[idx:i]
            if best is None:
                best = log(freq.get(sentence[idx]) or 1) - logtotal + score[idx + 1]
            score[idx], end[idx] = best, best_end
        return end

    def _Tokenizer__cut_DAG(self, sentence: str) -> Iterator[str]:
        words = self._clauses.get(sentence)
        if words is None:
            self.clause_misses += 1
            words = self.clause_words(sentence)
            if len(self._clauses) >= _CLAUSE_CACHE:
                self._clauses.clear()
            self._clauses[sentence] = words
        else:
            self.clause_hits += 1
        return iter(words)

    def clause_words(self, sentence: str) -> tuple[str, ...]:
        """jieba's words for one Chinese run (HMM on), in compiled code where it gives the same words."""
        if self._want_compiled and self._compiled is None:
            self._compiled = CompiledCut(self.FREQ, self.total)
        if self._compiled is not None and self._compiled.takes(sentence):
            return tuple(self._compiled(sentence))
        return tuple(self._cut_clause(sentence))

    def _cut_clause(self, sentence: str) -> Iterator[str]:
        end = self.route(sentence)
        freq = self.FREQ
        x = 0
        buf = ""
        n = len(sentence)
        while x < n:
            y = end[x]
            word = sentence[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    yield from self._flush(buf, freq)
                    buf = ""
                yield word
            x = y
        if buf:
            yield from self._flush(buf, freq)

    @staticmethod
    def _flush(buf: str, freq: dict[str, int]) -> Iterator[str]:
        if len(buf) == 1:
            yield buf
        elif not freq.get(buf):
            yield from finalseg.cut(buf)
        else:
            yield from buf


def _make_tokenizer(cache_dir: Path | None) -> _FastTokenizer:
    tk = _FastTokenizer()
    path = (cache_dir / _FREQ_CACHE_NAME) if cache_dir else None
    if path is not None and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            tk.FREQ = dict(zip(data["words"], data["freqs"], strict=True))
            tk.total = int(data["total"])
            tk.initialized = True
            return tk
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged copy is rebuilt below
    tk.initialize()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            words = list(tk.FREQ)
            payload = {"words": words, "freqs": [tk.FREQ[w] for w in words], "total": tk.total}
            tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache only costs start-up time
    return tk
