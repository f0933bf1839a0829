"""«Công khai kết quả» as plain files: an HTML page without JavaScript, readable on a phone, with the results and
the published lists of violators, each table beside its CSV.

The files are rendered once per data version into a folder of their own and put in place by switching one
link (``current``), so a reader never gets half of a version and serving them costs a file read: the address
the province's portal links to (``web.public_site``). Nothing here is private: the figures are the public
page's aggregates, and the employers only those an administrator published.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analytics.figures import publication, standing
from analytics.reports.exports import to_csv
from analytics.settings import Settings
from analytics.storage import cache, reads
from analytics.storage.db import Connection
from analytics.text import fmt, labels, usertext

CURRENT = "current"
FILE_NAME = re.compile(r"[a-z0-9-]{1,60}\.(html|csv)")  # every file a version holds, and nothing else is served
RESULTS_CSV = "ket-qua.csv"
_LOG = logging.getLogger("bhxh")
_LOCK = threading.Lock()
_STYLE = """body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0 auto;
max-width:72rem;padding:1rem;line-height:1.45;color:#1b1b1b}h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
.demo{background:#fff3cd;border:1px solid #e0c060;padding:.5rem .75rem}.totals{display:grid;gap:.75rem;
grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));padding:0;list-style:none}
.totals li{border:1px solid #ccd;border-radius:.4rem;padding:.5rem .75rem}
.totals b{display:block;font-size:1.25rem}.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #dde;padding:.35rem .5rem;text-align:left}td.n{text-align:right;white-space:nowrap}
th{background:#eef2f6}td:nth-child(2){min-width:8.5rem}.caption{color:#444;margin-bottom:.25rem}"""


def _table(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None]], caption: str) -> str:
    """An HTML table of ``columns`` (name -> heading, fmt.KINDS format or None for text), every cell escaped."""
    head = "".join(f"<th scope=\"col\">{html.escape(h)}</th>" for h, _ in columns.values())
    body = []
    for row in frame.to_dict("records"):
        cells = []
        for name, (_, kind) in columns.items():
            value = row[name]
            shown = fmt.KINDS[kind](value) if kind else ("—" if pd.isna(value) else str(value))
            cells.append(f"<td class=\"n\">{html.escape(shown)}</td>" if kind else f"<td>{html.escape(shown)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f"<p class=\"caption\">{html.escape(caption)}</p><div class=\"scroll\"><table><thead><tr>{head}</tr>"
            f"</thead><tbody>{''.join(body)}</tbody></table></div>")


def _columns(settings: Settings) -> dict[str, tuple[str, str | None]]:
    return {"rank": ("Hạng", "plain"), "name": ("Xã, phường", None), "attainment": ("Tỷ lệ đạt", "pct"),
            "total": ("Số người tham gia", "whole"), "target": (f"Chỉ tiêu {settings.target_year}", "whole"),
            "voluntary": ("Tự nguyện", "whole"), "voluntary_min": ("Chỉ tiêu tự nguyện tối thiểu", "whole")}


_LIST_COLUMNS = {"employer": ("Đơn vị", None), "tax_code": ("Mã số thuế", None), "commune": ("Xã, phường", None),
                 "months_late": ("Số tháng chậm", "whole"), "amount_owed": ("Số tiền nợ (triệu đồng)", "tenths"),
                 "status": ("Tình trạng", None)}


def _totals(card: standing.Summary, settings: Settings) -> str:
    items = [("Số người tham gia", fmt.number(card.total)),
             (f"Đạt chỉ tiêu {settings.target_year}", fmt.percent(card.attainment)),
             ("Tham gia tự nguyện", fmt.number(card.voluntary)),
             ("Đạt chỉ tiêu tự nguyện tối thiểu", fmt.percent(card.voluntary_attainment)),
             ("Xã, phường có số liệu", f"{fmt.number(card.reporting)}/{fmt.number(card.units)}")]
    return "<ul class=\"totals\">" + "".join(f"<li>{html.escape(k)}<b>{html.escape(v)}</b></li>"
                                              for k, v in items) + "</ul>"


def render(con: Connection, settings: Settings) -> dict[str, bytes]:
    """File name -> bytes of the public site for the figures in force now."""
    period = reads.latest_period(con)
    updated = reads.last_upload_time(con)
    title = "Công khai kết quả phát triển người tham gia BHXH"
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if reads.has_demo(con):
        parts.append("<p class=\"demo\">DỮ LIỆU MINH HỌA: các số dưới đây không phải số liệu thật.</p>")
    files: dict[str, bytes] = {}
    if period is None:
        parts.append("<p>Chưa có kết quả để công khai.</p>")
    else:
        results = standing.public_results(con, settings, period)
        columns = _columns(settings)
        parts += [
            f"<p>Kết quả {html.escape(fmt.month(period))} theo Kế hoạch của {html.escape(settings.issuer)} "
            f"{html.escape(settings.province)} triển khai Nghị quyết {html.escape(settings.resolution)}. Nguồn: số "
            "liệu do cơ quan Bảo hiểm xã hội cung cấp, cập nhật ngày "
            f"{html.escape(fmt.date(updated) if updated else '—')}.</p>",
            _totals(standing.summary(con, settings, period), settings),
            _table(results, columns, f"Xếp hạng theo tỷ lệ đạt chỉ tiêu {settings.target_year} (số người tham gia "
                                     f"÷ chỉ tiêu {settings.target_year}), cao nhất lên đầu."),
            f"<p><a href=\"{RESULTS_CSV}\">Tải bảng kết quả (CSV)</a></p>",
        ]
        plain = results.assign(attainment=(results["attainment"] * 100).round(1),
                               **{c: results[c].astype("Int64") for c in ("target", "voluntary_min")})
        headings = {k: h for k, (h, _) in columns.items()} | {"attainment": "Tỷ lệ đạt (%)"}
        files[RESULTS_CSV] = to_csv(plain[list(columns)].rename(columns=headings))
    for shown, rows in publication.public_lists(con):
        name = f"vi-pham-{shown['period']}.csv"
        rows = rows.assign(status=rows["status"].map(labels.EMPLOYER_STATUS))
        said = usertext.clean(f"Công bố ngày {fmt.date(shown['published_on'])}. Nguồn: {shown['source']}.")
        parts += [
            f"<h2>Danh sách đơn vị vi phạm về đóng BHXH {html.escape(fmt.month(shown['period']))}</h2>",
            f"<p>{html.escape(said)} Số tiền nợ tính bằng triệu đồng.</p>",
            _table(rows, _LIST_COLUMNS, f"{fmt.number(len(rows))} đơn vị"),
            f"<p><a href=\"{name}\">Tải danh sách (CSV)</a></p>",
        ]
        files[name] = to_csv(rows[list(_LIST_COLUMNS)].rename(columns={k: h for k, (h, _) in _LIST_COLUMNS.items()}))
    page = (f"<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width, initial-scale=1\"><title>{html.escape(title)} – "
            f"{html.escape(settings.province)}</title><style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>")
    files["index.html"] = page.encode("utf-8")
    assert all(FILE_NAME.fullmatch(n) for n in files), files.keys()
    return files


def root_for(database: Path) -> Path:
    """Where the public site of the database at ``database`` is published: a folder beside it."""
    return database.parent / f"{database.stem}-cong-khai"


def _version_name(con: Connection, settings: Settings) -> str:
    """The data version, and a digest of how it is rendered (this module and the plan's settings): a new release
    or an edited plan file is published again even when no figure changed."""
    found = cache.version(con)
    assert found is not None  # every built database has its data version
    _, number, token = found
    rendering = hashlib.sha256(_SOURCE + repr(settings).encode()).hexdigest()[:8]
    return f"v{number}-{token[:12]}-{rendering}"


_SOURCE = Path(__file__).read_bytes()  # how this release renders, read once


def current(root: Path) -> Path | None:
    """The folder of the version being served, or None before the first publication."""
    link = root / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def publish(con: Connection, settings: Settings, root: Path) -> Path:
    """The site of the data version in force, rendered unless it already is and switched to atomically; earlier
    versions but the one before are removed. Returns the version's folder."""
    with _LOCK:
        name = _version_name(con, settings)
        if (shown := current(root)) is not None and shown.name == name:
            return shown
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".rendering-", dir=root))
        for file_name, data in render(con, settings).items():
            (staging / file_name).write_bytes(data)
        target = root / name
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
        link = root / f".{CURRENT}-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(name)
        previous = current(root)
        os.replace(link, root / CURRENT)  # the switch: a reader sees the old folder or the new, never a mix
        for old in root.iterdir():
            if old.is_dir() and not old.is_symlink() and old not in (target, previous):
                shutil.rmtree(old, ignore_errors=True)
        return target


class Background:
    """The site published again after each write, on a thread of its own, so no write waits for it (the writer
    process of a replicated server, whose proxy serves the files): ``due`` after a write; a burst of writes is
    rendered once, from the newest data."""

    def __init__(self, opened: Callable[[], Connection], settings: Callable[[], Settings], root: Path):
        self._opened, self._settings, self.root = opened, settings, root
        self._due = threading.Event()
        threading.Thread(target=self._loop, daemon=True, name="public-site").start()

    def due(self) -> None:
        self._due.set()

    def _loop(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()
            try:
                publish(self._opened(), self._settings(), self.root)
            except Exception:  # noqa: BLE001 - the last version stays served; the next write tries again
                _LOG.exception("Không cập nhật được trang công khai kết quả")
