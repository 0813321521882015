import csv
import io
import json

from engage.insights.exports import Table, render, to_csv, to_json


def test_csv_neutralises_cells_that_a_spreadsheet_would_run():
    table = Table("t", ["name", "count"], [["=HYPERLINK(\"x\")", 1], ["+1+cmd", "-2+cmd"],
                                           ["@SUM(A1)", "plain"], [-6, "-0.25"]])
    rows = list(csv.reader(io.StringIO(to_csv(table))))
    assert rows[0] == ["name", "count"]
    assert rows[1][0] == "'=HYPERLINK(\"x\")"
    assert rows[2] == ["'+1+cmd", "'-2+cmd"]
    assert rows[3] == ["'@SUM(A1)", "plain"]
    assert rows[4] == ["-6", "-0.25"]  # numbers stay numbers


def test_json_keeps_headers_as_keys():
    data = json.loads(to_json(Table("t", ["a", "b"], [[1, None]], about="x")))
    assert data == {"table": "t", "about": "x", "rows": [{"a": 1, "b": None}]}


def test_unknown_format_is_refused():
    import pytest

    with pytest.raises(ValueError, match="csv, json"):
        render(Table("t", ["a"]), "xlsx")
