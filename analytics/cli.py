"""``python -m analytics <command> …``: build, check, ingest, users, backup.

Every command reports the project's named errors the same way, here in ``main``: a Vietnamese
message on standard error and exit code 1 (2 for a malformed command line).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click

from analytics.access import accounts
from analytics.errors import AnalyticsError
from analytics.intake import Prepared, apply, confirm_mapping, describe, prepare
from analytics.intake.checks import CHECKERS
from analytics.intake.fields import KINDS, SKIP
from analytics.intake.words import words
from analytics.reports import public_site
from analytics.settings import db_path, load_settings, plan_path
from analytics.storage import backup, backup_schedule, db, snapshots, writer, writes
from analytics.storage.schema import MIGRATIONS
from analytics.text import labels
from analytics.units import demo, targets
from analytics.units.names import nfc

PROG = "python -m analytics"
# Whoever runs a command on the server already holds the database file.
SERVER = accounts.User("cli", "Dòng lệnh trên máy chủ", "admin")


def _opened():
    """The app's database; while the server's writer holds it, its newest snapshot, every write sent to the
    writer (which then builds, ingests, creates accounts while the server runs)."""
    database = db_path()
    if writer.running(database):
        writer.send_writes_to(database)
        return snapshots.Reader(database).cursor()
    return db.connect(database)


def _built():
    """The app's database, built from data/ when it never was."""
    con = _opened()
    writes.build_database(con, load_settings(), only_new=True)
    return con


@click.group(help="Theo dõi phát triển đối tượng tham gia BHXH: các lệnh quản trị trên máy chủ.")
def commands() -> None:
    pass


@commands.command(help="Dựng cơ sở dữ liệu từ các tệp trong data/.")
@click.option("--force", is_flag=True, help="dựng lại kể cả khi đã có")
@click.option("--demo", "with_demo", is_flag=True, help="thêm dữ liệu minh hoạ khi chưa có số liệu nào")
def build(force: bool, with_demo: bool) -> int:
    con = _opened()
    settings = load_settings()
    writes.build_database(con, settings, only_new=not force)
    if with_demo and demo.install(con, settings):
        click.echo("Đã thêm dữ liệu minh hoạ.")
    units = db.value(con, "SELECT count(*) FROM communes")
    click.echo(f"Cơ sở dữ liệu {db_path()}: {units} đơn vị hành chính.")
    return 0


@commands.command("writer", help="Chạy tiến trình ghi dữ liệu của máy chủ nhiều tiến trình: giữ cơ sở dữ liệu, thực "
                                  "hiện mọi thao tác ghi và công bố bản dữ liệu cho các tiến trình đọc.")
@click.option("--demo", "with_demo", is_flag=True, help="thêm dữ liệu minh hoạ khi chưa có số liệu nào")
def run_writer(with_demo: bool) -> int:
    database = db_path()
    con = db.connect(database)
    settings = load_settings()
    writes.build_database(con, settings, only_new=True)
    if with_demo:
        demo.install(con, settings)
    pages = public_site.Background(snapshots.Reader(database).cursor, load_settings, public_site.root_for(database))
    server = writer.Writer(database, con, pages.due)
    daily = backup_schedule.Daily(database, plan_path()).start()
    click.echo(f"Tiến trình ghi dữ liệu sẵn sàng: {writer.socket_for(database)}")
    try:
        server.serve_forever()
    finally:
        daily.stop()
        server.close()
    return 0


@commands.command(help="In từng dòng phụ lục và mọi phát hiện; mã thoát 1 khi còn phát hiện chưa xử lý.")
def check() -> int:
    con = _built()
    for r in targets.appendix_view(con).fillna("—").itertuples():
        click.echo(f"{r.stt:>4}  {nfc(r.name_as_printed):<28} -> {r.official_name:<28} {r.code:>6} "
                   f"{r.method:<13} {r.score:>5}  {r.status}")
    found = targets.findings_view(con)
    click.echo(f"\nPhát hiện ({len(found)}):")
    for f in found.itertuples():
        click.echo(f"  [{f.status}] {f.kind}: {f.subject} — {f.detail}")
    n_open = targets.open_findings(con)
    click.echo(f"\nCòn {n_open} phát hiện chưa xử lý.")
    return 1 if n_open else 0


def _mapping(entries: tuple[str, ...], prepared: Prepared) -> dict[int, str]:
    """'Tổng cộng=total' or 'E=total' -> {column: field}; a header is matched without accents or case."""
    chosen = {}
    for entry in entries:
        header, _, field = entry.rpartition("=")
        field = field.strip().lower()
        if not header or field not in (*KINDS[prepared.kind].fields, SKIP):
            raise click.BadParameter(f"«{entry}»: cần dạng «Tiêu đề cột=trường», trường là một trong "
                                     f"{', '.join((*KINDS[prepared.kind].fields, SKIP))}.", param_hint="--map")
        found = [c for c in prepared.reading.columns
                 if words(c.header) == words(header) or c.letter == header.strip().upper()]
        if not found:
            raise click.BadParameter(f"«{entry}»: tệp không có cột «{header}».", param_hint="--map")
        chosen |= {c.index: field for c in found}
    return chosen


def _show(prepared: Prepared, columns: bool = True, rest: bool = True) -> None:
    """What was read, as the upload page shows it, then every problem and the counts."""
    for line in prepared.lines(columns, rest):
        click.echo(line)
    if rest:
        for problem in prepared.checked.problems:
            click.echo(f"{labels.SEVERITY[problem.severity].upper()}: {describe(problem)}")
        click.echo(f"{len(prepared.checked.table)} dòng hợp lệ, {len(prepared.errors)} lỗi, "
                   f"{len(prepared.warnings)} cảnh báo.")


@commands.command(help="Nhập số liệu từ tệp CSV/XLSX (mặc định số người tham gia hằng tháng): in những gì đọc được, "
                       "mọi vấn đề, rồi lưu.")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice(list(CHECKERS)), default="monthly", show_default=True,
              help="loại số liệu của tệp")
@click.option("--period", help="kỳ báo cáo YYYY-MM; thay cho tháng ghi trong tệp")
@click.option("--sheet", help="tên trang tính (XLSX); mặc định trang có bảng xã, phường")
@click.option("--map", "mapping", multiple=True, metavar="CỘT=TRƯỜNG",
              help="đọc cột CỘT (tiêu đề hoặc chữ cái) là TRƯỜNG (tên trường của loại số liệu, hoặc skip); xác nhận "
                   "cách đọc cột")
@click.option("--dry-run", is_flag=True, help="chỉ kiểm tra, không lưu")
@click.option("--yes", is_flag=True, help="xác nhận cách đọc cột đã đoán và các cảnh báo")
@click.option("--source", default="", help="nguồn số liệu (bắt buộc với --kind labour), ví dụ «Cục Thống kê tỉnh»")
@click.option("--user", default=SERVER.username, show_default=True, help="tên ghi vào nhật ký")
def ingest(file: Path, kind: str, period: str | None, sheet: str | None, mapping: tuple[str, ...], dry_run: bool,
           yes: bool, source: str, user: str) -> int:
    con = _built()
    data = file.read_bytes()
    prepared = prepare(con, data, file.name, kind=kind, sheet=sheet, period=period)
    guessed = prepared.needs_mapping
    confirmed = bool(mapping) or (guessed and yes)
    if guessed and not confirmed:
        _show(prepared, rest=False)
        click.echo("Nếu đọc các cột như trên:")
    if mapping or guessed:
        chosen = prepared.mapping | _mapping(mapping, prepared)
        prepared = prepare(con, data, file.name, kind=kind, sheet=sheet, period=period, mapping=chosen)
    _show(prepared, columns=confirmed or not guessed)
    if guessed and not confirmed:
        click.echo("Cách đọc cột trên được đoán theo nội dung tệp, chưa được xác nhận: chạy lại với --yes để dùng "
                   "đúng như trên, hoặc --map \"Tiêu đề=trường\" để sửa từng cột.")
        return 0 if dry_run and not prepared.errors else 1
    if prepared.errors:
        return 1
    if dry_run:
        return 0
    actor = accounts.User(user, SERVER.display_name, "admin")
    if confirmed:
        confirm_mapping(con, prepared, prepared.mapping, user=actor)
        click.echo("Đã lưu cách đọc cột cho các tệp cùng mẫu.")
    upload_id = apply(con, prepared, user=actor, confirm_warnings=yes, source=source)
    click.echo(f"Đã lưu: lần tải lên số {upload_id}.")
    return 0


@commands.group(help="Quản lý tài khoản.")
def users() -> None:
    pass


@users.command("create-admin", help="Tạo tài khoản quản trị; mật khẩu lấy từ BHXH_ADMIN_PASSWORD hoặc hỏi.")
@click.argument("username")
@click.option("--name", default="Quản trị hệ thống", show_default=True)
def create_admin(username: str, name: str) -> int:
    password = os.environ.get("BHXH_ADMIN_PASSWORD")
    if password is None:
        password = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            raise click.ClickException("hai lần nhập mật khẩu không khớp.")
    user = writes.create_user(_built(), accounts.SYSTEM, username, name, "admin", password)
    click.echo(f"Đã tạo tài khoản quản trị «{user.username}».")
    return 0


@commands.group(help="Sao lưu và khôi phục toàn bộ cơ sở dữ liệu (Parquet).")
def backup_group() -> None:
    pass


DATABASE = click.option("--db", "database", type=click.Path(path_type=Path, dir_okay=False),
                        help="tệp cơ sở dữ liệu (mặc định: BHXH_DB hoặc data/bhxh.duckdb)")


@backup_group.command("export", help="Sao lưu vào một thư mục mới hoặc trống (khi máy chủ web đã dừng; "
                                      "khi nó chạy, hãy sao lưu từ trang Quản trị).")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@DATABASE
def export(directory: Path, database: Path | None) -> int:
    target = database or db_path()
    # While the server's writer holds the file, its newest snapshot is the same data, and free to read.
    con = snapshots.Reader(target).cursor() if writer.running(target) else db.connect(target, read_only=True)
    try:
        manifest = backup.export(con, directory)
    finally:
        con.close()
    click.echo(f"Đã sao lưu {target} vào {directory}: {len(manifest['tables'])} bảng, "
               f"{sum(manifest['tables'].values())} dòng.")
    return 0


@backup_group.command("restore", help="Khôi phục từ một bản sao lưu (thư mục, hoặc tệp ZIP tải từ trang Quản trị) "
                                       "vào một tệp mới rồi đổi tên thay tệp đang có.")
@click.argument("source", type=click.Path(path_type=Path))
@DATABASE
@click.option("--force", is_flag=True, help="khôi phục đè lên cơ sở dữ liệu đang có dữ liệu")
def restore(source: Path, database: Path | None, force: bool) -> int:
    target = database or db_path()
    manifest = backup.restore(source, target, force=force)
    click.echo(f"Đã khôi phục {target} từ {source}: {len(manifest['tables'])} bảng, "
               f"{sum(manifest['tables'].values())} dòng, lược đồ phiên bản {len(MIGRATIONS)}.")
    return 0


commands.add_command(backup_group, "backup")


def main(argv: list[str] | None = None) -> int:
    """Run one command; the one place that turns errors into a Vietnamese message and an exit code."""
    try:
        return commands.main(args=argv, prog_name=PROG, standalone_mode=False) or 0
    except AnalyticsError as exc:
        message = str(exc)
    except FileNotFoundError as exc:
        message = f"không tìm thấy tệp {exc.filename}."
    except click.UsageError as exc:
        click.echo(f"{exc.ctx.get_usage() if exc.ctx else ''}\nLỖI: cách gọi không đúng: {exc.format_message()}",
                   err=True)
        return 2
    except click.ClickException as exc:
        message = exc.format_message()
    except click.exceptions.Abort:
        message = "đã huỷ."
    click.echo(f"LỖI: {message}", err=True)
    return 1
