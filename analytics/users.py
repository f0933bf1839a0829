"""``python -m analytics.users create-admin USERNAME``: the first administrator.

The password comes from the BHXH_ADMIN_PASSWORD environment variable or a
prompt, never from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from analytics import accounts
from analytics.build import ensure_database
from analytics.errors import AnalyticsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Quản lý tài khoản.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-admin", help="tạo tài khoản quản trị")
    create.add_argument("username")
    create.add_argument("--name", default="Quản trị hệ thống")
    args = parser.parse_args(argv)
    password = os.environ.get("BHXH_ADMIN_PASSWORD")
    if password is None:
        password = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            print("LỖI: hai lần nhập mật khẩu không khớp.", file=sys.stderr)
            return 1
    try:
        con = ensure_database()
        accounts.create_user(con, accounts.SYSTEM, args.username, args.name, "admin", password)
    except (AnalyticsError, ValueError) as exc:
        print(f"LỖI: {exc}", file=sys.stderr)
        return 1
    print(f"Đã tạo tài khoản quản trị «{args.username.strip().lower()}».")
    return 0


if __name__ == "__main__":
    sys.exit(main())
