"""One command, ``python -m analytics``, and the old module invocations that scripts and docs still call."""

from __future__ import annotations

import sys

import pytest

from analytics.aliases import run_as
from analytics.cli import main


def test_an_old_invocation_runs_the_new_command(tiny_db, monkeypatch, capsys):
    """``python -m analytics.targets check`` is ``python -m analytics check`` (the browser tests run the
    build and users aliases as real processes)."""
    assert main(["check"]) == 0
    new = capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["analytics/targets.py", "check"])
    with pytest.raises(SystemExit) as exited:
        run_as()
    assert exited.value.code == 0
    old = capsys.readouterr()
    assert (old.out, old.err) == (new.out, new.err) and new.out.endswith("Còn 0 phát hiện chưa xử lý.\n")


def test_project_errors_are_one_vietnamese_line_and_exit_code_1(tiny_db, tmp_path, capsys):
    assert main(["backup", "restore", str(tmp_path / "khong-co")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"LỖI: Thư mục {tmp_path / 'khong-co'} không phải một bản sao lưu đầy đủ")
    assert err.count("\n") == 1


def test_a_malformed_command_line_exits_2(capsys):
    assert main(["khong-co-lenh"]) == 2
    assert "LỖI: cách gọi không đúng" in capsys.readouterr().err
