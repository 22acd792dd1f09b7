"""Daily digests with a controllable clock: timing, exactly-once, catch-up, admins, watches, rotation."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Warm, in_thread

from bot.config import Settings
from bot.engine import Engine
from bot.messages import Incoming
from bot.render import MAX_MESSAGE
from retrieval.library import Library

TZ = ZoneInfo("Asia/Shanghai")
CHAT, GROUP, ADMIN, MEMBER = 42, -100777, 7, 8


class Clock:
    def __init__(self, when: datetime) -> None:
        self.now = when

    def __call__(self) -> datetime:
        return self.now

    def set(self, hour: int, minute: int = 0, day_offset: int = 0) -> None:
        base = self.now.replace(hour=hour, minute=minute, second=0) + timedelta(days=day_offset)
        self.now = base


class Outbox:
    def __init__(self, fail_on: set[int] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail_on = fail_on or set()
        self.calls = 0

    async def __call__(self, chat_id: int, text: str) -> None:
        self.calls += 1
        if self.calls in self.fail_on:
            raise ConnectionError("network down")
        self.sent.append((chat_id, text))


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 7, 0, tzinfo=TZ))


def make_engine(tmp_path: Path, library, clock: Clock, **options) -> Engine:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")
    return Engine(settings, library=library, clock=clock, **options)


def say(engine: Engine, text: str, chat: int = CHAT, user: int = CHAT, chat_type: str = "private") -> str:
    return "\n".join(
        r.html for r in asyncio.run(engine.handle_message(Incoming(chat, user, text, chat_type=chat_type)))
    )


def test_digest_is_sent_at_the_right_local_time(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    assert "08:30" in say(engine, "/digest on 08:30")
    out = Outbox()
    clock.set(8, 29)
    assert not asyncio.run(engine.digests.run(CHAT, out))
    clock.set(8, 30)
    assert asyncio.run(engine.digests.run(CHAT, out))
    text = "\n".join(t for _, t in out.sent)
    assert "每日摘要" in text and "2026-11-23" in text and "今日一段" in text
    assert "没有新增或更新的文档" in text  # nothing was added since subscribing
    assert "开启，每天 08:30" in say(engine, "/digest")


def test_time_zone_is_respected(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    say(engine, "/digest on 08:30")
    out = Outbox()
    clock.now = datetime(2026, 11, 23, 0, 31, tzinfo=ZoneInfo("UTC"))  # 08:31 in Shanghai
    assert asyncio.run(engine.digests.run(CHAT, out))


def test_exactly_once_across_a_restart(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    say(engine, "/digest on 08:30")
    out = Outbox()
    clock.set(8, 31)
    assert asyncio.run(engine.digests.run(CHAT, out))
    engine.store.close()
    restarted = make_engine(tmp_path, library, clock)
    clock.set(9, 0)
    assert asyncio.run(restarted.digests.send_due(out)) == 0
    assert not asyncio.run(restarted.digests.run(CHAT, out))
    assert len(out.sent) == 1
    clock.set(8, 31, day_offset=1)
    assert asyncio.run(restarted.digests.send_due(out)) == 1  # the next day's
    assert len(out.sent) == 2


def test_catch_up_after_downtime_the_same_day(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    say(engine, "/digest on 08:30")
    engine.store.close()  # the bot goes down before 08:30 …
    clock.set(11, 15)  # … and comes back at 11:15
    restarted = make_engine(tmp_path, library, clock)
    out = Outbox()
    assert asyncio.run(restarted.digests.send_due(out)) == 1
    assert len(out.sent) == 1 and "2026-11-23" in out.sent[0][1]


def test_subscribing_after_the_time_starts_tomorrow(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    clock.set(10, 0)
    say(engine, "/digest on 08:30")
    out = Outbox()
    assert asyncio.run(engine.digests.send_due(out)) == 0
    clock.set(8, 30, day_offset=1)
    assert asyncio.run(engine.digests.send_due(out)) == 1


def test_crash_half_way_loses_nothing_and_repeats_nothing(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    say(engine, "/digest on 08:30")
    clock.set(8, 30)
    record = engine.chats.begin_digest(CHAT, "2026-11-23", ["part one", "part two", "part three"], {}, None, False)
    assert record is not None
    out = Outbox(fail_on={2})
    with pytest.raises(ConnectionError):
        asyncio.run(engine.digests.run(CHAT, out))
    assert [t for _, t in out.sent] == ["part one"]
    engine.store.close()
    restarted = make_engine(tmp_path, library, clock)
    asyncio.run(restarted.digests.send_due(out))
    assert [t for _, t in out.sent] == ["part one", "part two", "part three"]
    asyncio.run(restarted.digests.send_due(out))
    assert len(out.sent) == 3


def test_failed_send_is_retried_not_lost(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    say(engine, "/digest on 08:30")
    clock.set(8, 30)
    out = Outbox(fail_on={1})
    assert asyncio.run(engine.digests.send_due(out)) == 0  # the failure is logged, the tick goes on
    assert asyncio.run(engine.digests.send_due(out)) == 1
    assert len(out.sent) == 1


def test_only_group_admins_change_settings(tmp_path, library, clock) -> None:
    async def admin_check(chat_id: int, user_id: int) -> bool:
        return user_id == ADMIN

    engine = make_engine(tmp_path, library, clock, chat_admin=admin_check)
    assert "只有群管理员" in say(engine, "/digest on 09:00", GROUP, MEMBER, "supergroup")
    assert "只有群管理员" in say(engine, "/watch 四个机关", GROUP, MEMBER, "supergroup")
    assert engine.chats.settings(GROUP) is None and engine.chats.watches(GROUP) == []
    assert "已开启" in say(engine, "/digest on 09:00", GROUP, ADMIN, "supergroup")
    assert "已关注" in say(engine, "/watch 四个机关", GROUP, ADMIN, "supergroup")
    assert "开启，每天 09:00" in say(engine, "/digest", GROUP, MEMBER, "supergroup")  # anyone may look
    assert "四个机关" in say(engine, "/watching", GROUP, MEMBER, "supergroup")


def test_watched_phrases_match_only_new_documents(warm: Warm, clock) -> None:
    engine = Engine(
        Settings(data_dir=warm.data, corpus_dir=warm.corpus, admin_user_ids=frozenset({ADMIN})),
        library=warm.library,
        clock=clock,
        run_heavy=in_thread,
    )
    say(engine, "/digest on 08:30")
    say(engine, "/watch 四个机关")
    say(engine, "/watch 流浪星球")
    text = "人大“四个机关”建设新闻\n\n本市召开“四个机关”建设推进会，要求把政治机关、国家权力机关、工作机关、代表机关建设落到实处。\n"
    reply = asyncio.run(engine.add_document(ADMIN, "private", "news.txt", text.encode("utf-8")))
    assert "已添加" in reply[0].html
    clock.set(8, 30)
    out = Outbox()
    asyncio.run(engine.digests.run(CHAT, out))
    digest = "\n".join(t for _, t in out.sent)
    assert "新增或更新的文档（1）" in digest and "<b>人大“四个机关”建设新闻</b>" in digest
    watch_part = digest.split("关注的提法")[1].split("今日一段")[0]
    assert "“四个机关”：1 处新出处" in watch_part and "《人大“四个机关”建设新闻》" in watch_part
    assert "民主法治建設" not in watch_part  # seed occurrences are old news
    assert "“流浪星球”：没有新的出处" in watch_part
    assert "关键词：" in digest
    sent_first_day = len(out.sent)
    clock.set(8, 30, day_offset=1)
    asyncio.run(engine.digests.run(CHAT, out))
    next_day = "\n".join(t for _, t in out.sent[sent_first_day:])
    assert "没有新增或更新的文档" in next_day and "“四个机关”：没有新的出处" in next_day


def test_daily_paragraph_rotates_without_repeats(tmp_path, clock) -> None:
    corpus = tmp_path / "small"
    corpus.mkdir()
    paras = [
        f"第{i}段：各级人大要把“四个机关”建设作为重要任务，坚持党的领导、人民当家作主、依法治国有机统一，不断提高履职能力和水平，密切同人民群众的联系，自觉接受人民监督，做到第{i}项要求落到实处。"
        for i in range(1, 5)
    ]
    (corpus / "small.txt").write_text("小文档\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    lib = Library.open(corpus, tmp_path / "cache")
    engine = Engine(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), library=lib, clock=clock)
    say(engine, "/digest on 08:00")
    out = Outbox()
    picks = []
    for day in range(6):
        clock.set(8, 0, day_offset=1 if day else 0)
        asyncio.run(engine.digests.run(CHAT, out))
        daily = out.sent[-1][1].split("今日一段")[1]
        picks.append(next(i for i in range(1, 5) if f"第{i}项" in daily))
    assert sorted(picks[:4]) == [1, 2, 3, 4]  # every eligible paragraph once …
    assert picks[4:6] == picks[0:2]  # … then the same order again


def test_digest_respects_the_message_limit(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    say(engine, "/digest on 08:30")
    state = engine.chats.settings(CHAT)
    state.seen_docs = {}  # every document counts as new
    engine.chats.save_settings(state)
    for phrase in ("人大", "代表", "监督", "人民", "工作", "政治", "建设", "制度"):
        say(engine, f"/watch {phrase}")
    clock.set(8, 30)
    out = Outbox()
    asyncio.run(engine.digests.run(CHAT, out))
    assert len(out.sent) > 1 and all(len(t) <= MAX_MESSAGE for _, t in out.sent)
    for _, t in out.sent:
        assert t.count("<b>") == t.count("</b>") and t.count("<i>") == t.count("</i>")


def test_preview_changes_nothing(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    say(engine, "/digest on 08:30")
    before = engine.chats.shown(CHAT)
    assert "预览" in say(engine, "/digest now")
    assert engine.chats.shown(CHAT) == before and engine.chats.digest(CHAT, "2026-11-23") is None
    assert "已关闭" in say(engine, "/digest off")
    clock.set(9, 0)
    assert asyncio.run(engine.digests.send_due(Outbox())) == 0


@pytest.mark.parametrize(
    ("bad", "told"),
    [
        ("/digest on 25:00", "时间格式应为 HH:MM"),
        ("/digest on abc", "时间格式应为 HH:MM"),
        ("/digest sometimes", "用法"),
    ],
)
def test_bad_digest_arguments(tmp_path, library, clock, bad: str, told: str) -> None:
    engine = make_engine(tmp_path, library, clock)
    assert told in say(engine, bad)
    assert engine.chats.settings(CHAT) is None  # nothing was switched on


def test_overlapping_runs_send_one_digest(tmp_path, library, clock) -> None:
    engine = make_engine(tmp_path, library, clock)
    say(engine, "/digest on 08:30")
    clock.set(8, 30)

    class SlowOutbox(Outbox):
        async def __call__(self, chat_id: int, text: str) -> None:
            await asyncio.sleep(0.05)  # a slow network lets the runs interleave
            await super().__call__(chat_id, text)

    out = SlowOutbox()

    async def both() -> None:
        # A minute's run still sending when the next starts, and one chat's digest asked for meanwhile.
        digests = engine.digests
        await asyncio.gather(
            digests.send_due(out), digests.send_due(out), digests.run(CHAT, out), digests.send_due(out)
        )

    asyncio.run(both())
    assert len(out.sent) == 1


def test_key_terms_set_a_document_apart_from_the_corpus(library) -> None:
    from collections import Counter

    from retrieval import fold, key_terms

    # The corpus's commonest words (in the most paragraphs) say nothing about any one document.
    words = Counter(w for p in library.paragraphs for w in set(library.analyzer.words(fold(p.text))) if len(w) >= 2)
    commonest = {w for w, _ in words.most_common(5)}
    for doc in library.documents:
        terms = key_terms(library, doc, 5)
        assert len(terms) == 5 and not commonest & set(terms), (doc.doc_id, terms)
        text = fold("".join(p.text for p in doc.paragraphs))
        assert all(text.count(t) >= 2 for t in terms)  # words the document itself uses, more than once
    wuxi = next(d for d in library.documents if d.doc_id.startswith("000"))
    assert {"创新年", "一要点四计划"} <= set(key_terms(library, wuxi, 8))
