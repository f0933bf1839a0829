"""The home and data-check pages render the shipped plan and its findings."""


def test_home_shows_headline_targets(open_page, db_file):
    at = open_page("pages/home.py", db_file)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Số người tham gia"] == "981.535"
    assert metrics["Trong đó tự nguyện"] == "106.055"
    assert metrics["Tỷ lệ LLLĐ trong độ tuổi tham gia"] == "60 %"
    assert metrics["Số xã, phường"] == "104"
    assert metrics["Phát hiện chưa xử lý"] == "8"


def test_data_check_lists_rows_and_findings(open_page, db_file):
    at = open_page("pages/data_check.py", db_file)
    assert at.subheader[0].value == "Phát hiện chưa xử lý: 8"
    findings, rows = at.dataframe[0].value, at.dataframe[1].value
    assert len(rows) == 104
    assert "Tổng không khớp" in set(findings["kind"])
    row = rows[rows["name_as_printed"] == "Xã Thân Khê"].iloc[0]
    assert (row["official_name"], row["status"]) == ("Xã Thần Khê", "Cần xác nhận")
    at.toggle[0].set_value(True).run()
    assert len(at.dataframe[1].value) == 6
