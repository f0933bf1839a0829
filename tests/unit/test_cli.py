"""One command, ``python -m analytics``: one Vietnamese line for every error, and the database held."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager

from analytics.cli import main
from tests.helpers import ROOT


def test_project_errors_are_one_vietnamese_line_and_exit_code_1(tiny_db, tmp_path, capsys):
    assert main(["backup", "restore", str(tmp_path / "khong-co")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"LỖI: Thư mục {tmp_path / 'khong-co'} không phải một bản sao lưu đầy đủ")
    assert err.count("\n") == 1


def test_a_malformed_command_line_exits_2(capsys):
    assert main(["khong-co-lenh"]) == 2
    assert "LỖI: cách gọi không đúng" in capsys.readouterr().err


HOLD = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"
LOCKED = "LỖI: Cơ sở dữ liệu {} đang được một tiến trình khác sử dụng. Hãy đóng tiến trình đó rồi thử lại.\n"


@contextmanager
def held(path):
    """Another process holds the database file, as the running server does."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.communicate("", timeout=60)  # only stops a hung child


def test_every_command_says_database_locked_while_another_process_holds_it(tiny_db, tmp_path, capsys,
                                                                          monkeypatch):
    assert main(["backup", "export", str(tmp_path / "bk")]) == 0
    (tmp_path / "t.csv").write_text("Mã xã;Kỳ;Tổng số;Bắt buộc;Tự nguyện\n11953;2026-03;1000;900;100\n")
    monkeypatch.setenv("BHXH_ADMIN_PASSWORD", "mat-khau-quan-tri-dai-2030")
    with held(tiny_db):
        capsys.readouterr()
        locked = LOCKED.format(tiny_db)
        for command in (["build"], ["build", "--force", "--demo"], ["check"], ["ingest", str(tmp_path / "t.csv")],
                        ["users", "create-admin", "quantri2"], ["backup", "export", str(tmp_path / "bk2")],
                        ["backup", "restore", str(tmp_path / "bk"), "--force"]):
            assert (main(command), capsys.readouterr().err) == (1, locked), command


def test_check_says_the_database_is_held_while_the_server_runs(tiny_db):
    """``python -m analytics check`` run as a real process while the server holds the file says what to do in
    one line, not a traceback."""
    with held(tiny_db):
        done = subprocess.run([sys.executable, "-m", "analytics", "check"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "BHXH_DB": str(tiny_db)}, timeout=300)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", LOCKED.format(tiny_db))
