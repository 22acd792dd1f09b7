"""Copying what can still be read out of a damaged state database into a fresh one.

SQLite stops a table scan at the first bad page, so a table whose scan
fails is read again in rowid ranges, skipping the ranges that fail.  Rows
are copied by column name, so a damaged file from an older schema version
fills the columns both versions share; sessions older than the current
session format are left behind (they could not be shown anyway).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .schema import SESSIONS_WITH_HITS, TABLES, user_version


def copy_readable(source: Path, target: sqlite3.Connection) -> dict[str, int]:
    """Copy every row that can still be read from ``source`` into ``target``; rows read per table."""
    counts: dict[str, int] = {}  # table names below come from TABLES, never from input
    try:
        src = sqlite3.connect(source, timeout=1.0)
    except sqlite3.Error:
        return {table: 0 for table in TABLES}
    try:
        try:
            version = user_version(src)
        except sqlite3.Error:
            version = SESSIONS_WITH_HITS  # header unreadable: let the session loader judge each row
        for table in TABLES:
            if table in ("sessions", "current") and version < SESSIONS_WITH_HITS:
                counts[table] = 0
                continue
            columns, rows = _readable_rows(src, table)
            wanted = {row[1] for row in target.execute(f"PRAGMA table_info({table})")}
            keep = [i for i, name in enumerate(columns) if name in wanted]
            names = ",".join(columns[i] for i in keep)
            placeholders = ",".join("?" * len(keep))
            for row in rows.values():
                try:
                    target.execute(
                        f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({placeholders})", [row[i] for i in keep]
                    )
                except sqlite3.Error:
                    continue  # a row with damaged contents
            counts[table] = len(rows)
    finally:
        src.close()
    return counts


def _readable_rows(src: sqlite3.Connection, table: str) -> tuple[list[str], dict[int, tuple]]:
    """The table's column names and its readable rows by rowid."""
    try:
        cur = src.execute(f"SELECT * FROM {table} LIMIT 0")
        columns = [d[0] for d in cur.description]
    except sqlite3.Error:
        return [], {}
    rows: dict[int, tuple] = {}
    try:
        for row in src.execute(f"SELECT rowid, * FROM {table}"):
            rows[row[0]] = row[1:]
    except sqlite3.Error:
        rows.update(_rows_by_range(src, table))
    return columns, rows


def _rows_by_range(src: sqlite3.Connection, table: str, step: int = 64) -> dict[int, tuple]:
    try:
        (top,) = src.execute(f"SELECT max(rowid) FROM {table}").fetchone()
    except sqlite3.Error:
        top = None
    if top is None:
        top = 100_000  # the index on rowid is damaged too: probe a plausible range
    rows: dict[int, tuple] = {}
    for start in range(0, min(int(top), 2_000_000) + 1, step):
        try:
            for row in src.execute(
                f"SELECT rowid, * FROM {table} WHERE rowid BETWEEN ? AND ?",
                (start, start + step - 1),
            ):
                rows[row[0]] = row[1:]
        except sqlite3.Error:
            continue
    return rows
