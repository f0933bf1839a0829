"""The home and data-check pages render the shipped plan and its findings, the plan's headline among them."""

import ui.data_check
import ui.home


def test_home_shows_headline_targets(run_page, db_file):
    at = run_page(ui.home.page, db_file)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Số người tham gia"] == "981.535"
    assert metrics["Trong đó tự nguyện"] == "106.055"
    assert metrics["Tỷ lệ LLLĐ trong độ tuổi tham gia"] == "60 %"
    assert metrics["Số xã, phường"] == "104"
    assert metrics["Phát hiện chưa xử lý"] == "9"
    # the plan's two percentages are repeated only with the finding that they do not fit its counts
    assert any("không thể cùng đúng với\n981.535 và 106.055 người".replace("\n", " ") in w.value
               and "«Kiểm tra dữ liệu»" in w.value for w in at.warning)


def test_data_check_shows_the_headline_arithmetic(run_page, db_file):
    """No labour force is known on the shipped plan: the arithmetic, and why no percentages against one."""
    at = run_page(ui.data_check.page, db_file)
    assert at.subheader[0].value == "Mục tiêu chung so với lực lượng lao động"
    assert any("981.535 ÷ 0,60 = 1.635.892" in w.value and "106.055 ÷ 0,05 = 2.121.100" in w.value
               for w in at.warning)
    assert any(i.value.startswith("Chưa có số lực lượng lao động đến năm 2030") for i in at.info)


def test_data_check_with_the_demo_labour_force(run_page, demo_db):
    """The demo's labour force for 2026 is 1.655.320: 981.535 ÷ 1.655.320 = 59,30 %, 106.055 ÷ 1.655.320 = 6,41 %."""
    at = run_page(ui.data_check.page, demo_db)
    shown = " ".join(i.value for i in at.info)
    assert "981.535 người tham gia ÷ 1.655.320 = 59,3 % (kế hoạch ghi 60 %)" in shown
    assert "106.055 người tham gia tự nguyện ÷ 1.655.320 = 6,4 % (kế hoạch ghi 5 %)" in shown
    assert "năm 2026 (năm gần nhất đến 2030 có số liệu), nguồn: Số liệu minh hoạ" in shown


def test_data_check_lists_rows_and_findings(run_page, db_file):
    at = run_page(ui.data_check.page, db_file)
    assert at.subheader[1].value == "Phát hiện chưa xử lý: 9"
    findings, rows = at.dataframe[0].value, at.dataframe[1].value
    assert len(rows) == 104
    assert "Tổng không khớp" in set(findings["kind"])
    row = rows[rows["name_as_printed"] == "Xã Thân Khê"].iloc[0]
    assert (row["official_name"], row["status"]) == ("Xã Thần Khê", "Cần xác nhận")
    at.toggle[0].set_value(True).run()
    assert len(at.dataframe[1].value) == 6
