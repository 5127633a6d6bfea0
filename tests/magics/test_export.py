"""``--export FILE`` on the listings: each format by its extension, read back with pandas; a
missing writer and a wrong extension are one line each, and nothing is written."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from magic_helpers import boot, fail, run


@pytest.fixture
def fleet(shell, cloud):
    boot(shell, count=3)
    return run(shell, "%nova servers")


@pytest.mark.parametrize(
    "name, read",
    [
        ("fleet.csv", pd.read_csv),
        ("fleet.json", pd.read_json),
        ("fleet.xlsx", pd.read_excel),
        ("fleet.parquet", pd.read_parquet),
    ],
)
def test_servers_export_each_format(shell, fleet, tmp_path, capsys, name, read):
    target = tmp_path / "out" / name
    capsys.readouterr()
    # what is shown is what is written, as the CLI's -f csv: --long for every typed column
    result = run(shell, f"%nova servers --long --export {target}")
    assert capsys.readouterr().out.splitlines()[0] == f"exported 3 rows to {target}"
    back = read(target)
    assert sorted(back["name"]) == ["web-1", "web-2", "web-3"]
    assert len(back) == len(result) == 3
    created = "created (UTC)" if name.endswith(".xlsx") else "created"  # Excel has no zones
    assert created in back.columns
    assert pd.to_datetime(back[created], utc=True).min() == result["created"].min()


def test_the_default_view_exports_the_clis_columns(shell, fleet, tmp_path):
    run(shell, f"%nova servers --export {tmp_path / 'view.csv'}")
    back = pd.read_csv(tmp_path / "view.csv")
    assert list(back.columns) == ["id", "name", "status", "networks", "image", "flavor"]


def test_other_listings_export_too(shell, fleet, tmp_path):
    run(shell, f"%nova flavors --export {tmp_path / 'flavors.csv'}")
    assert len(pd.read_csv(tmp_path / "flavors.csv")) == 5
    run(shell, f"%nova usage --servers --export {tmp_path / 'usage.json'}")
    assert sorted(pd.read_json(tmp_path / "usage.json")["name"]) == ["web-1", "web-2", "web-3"]


def test_a_missing_writer_names_its_package(shell, fleet, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed
    error, seen = fail(shell, f"%nova servers --export {tmp_path / 'fleet.xlsx'}", capsys)
    assert "writing .xlsx needs openpyxl: pip install openpyxl" in seen and "Traceback" not in seen
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    error, seen = fail(shell, f"%nova servers --export {tmp_path / 'fleet.parquet'}", capsys)
    assert "needs pyarrow" in seen
    error, seen = fail(shell, f"%nova servers --export {tmp_path / 'fleet.txt'}", capsys)
    assert ".csv, .json, .xlsx, .parquet" in seen
    assert list(tmp_path.iterdir()) == []
    # The listing itself is not lost: -o still stores it before the export fails.
    fail(shell, f"%nova servers -o kept --export {tmp_path / 'fleet.txt'}", capsys)
    assert len(shell.user_ns["kept"]) == 3


def test_export_is_for_listings_only(shell, cloud, capsys):
    error, seen = fail(shell, "%nova whoami --export who.csv", capsys)
    assert "unrecognized arguments" in seen
