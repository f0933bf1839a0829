"""One command, ``python -m analytics``, and the old module invocations that scripts and docs still call."""

from __future__ import annotations

import subprocess
import sys

from analytics.cli import main
from tests.conftest import ROOT


def run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_new_form_and_old_alias_give_the_same_answer(tiny_db, tiny_plan):
    env = {"PATH": "/usr/bin:/bin", "BHXH_DB": str(tiny_db), "BHXH_PLAN": str(tiny_plan)}
    new, old = run("analytics", "check", env=env), run("analytics.targets", "check", env=env)
    assert (new.returncode, new.stderr) == (old.returncode, old.stderr) == (0, "")
    assert new.stdout == old.stdout and new.stdout.endswith("Còn 0 phát hiện chưa xử lý.\n")


def test_project_errors_are_one_vietnamese_line_and_exit_code_1(tiny_db, tmp_path, capsys):
    assert main(["backup", "restore", str(tmp_path / "khong-co")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"LỖI: Thư mục {tmp_path / 'khong-co'} không phải một bản sao lưu đầy đủ")
    assert err.count("\n") == 1


def test_a_malformed_command_line_exits_2(capsys):
    assert main(["khong-co-lenh"]) == 2
    assert "LỖI: cách gọi không đúng" in capsys.readouterr().err
