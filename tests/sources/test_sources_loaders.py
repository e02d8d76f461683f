"""Feed loaders on the synthetic fixtures: schema, counts, dates, categories and clear errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import FIXTURES

from analysis.data import DataValidationError, load_incidents
from analysis.data.schema import INCIDENT_COLUMNS
from analysis.sources import acled, gdelt, ucdp
from analysis.sources.common import check_incident_frame, empty_incidents, normalise_governorate

GDELT2 = FIXTURES / "20200108000000.export.CSV"


def assert_incident_schema(frame: pd.DataFrame, dataset: str) -> None:
    check_incident_frame(frame)  # raises on any violation
    reference = load_incidents().dtypes
    assert list(frame.columns[: len(INCIDENT_COLUMNS)]) == list(INCIDENT_COLUMNS)
    for column in INCIDENT_COLUMNS:
        assert frame[column].dtype == reference[column], column
    assert (frame["source_dataset"] == dataset).all()
    assert frame["incident_id"].is_unique


def by_id(frame: pd.DataFrame, event_id: str) -> pd.Series:
    return frame.set_index("source_event_id").loc[event_id]


# --- ACLED --------------------------------------------------------------------------------------


def test_acled_fixture_maps_into_the_incident_schema():
    df = acled.load(FIXTURES / "acled_iraq_sample.csv")  # BOM, CRLF, quoted commas/newline
    assert_incident_schema(df, "acled")
    assert df.attrs["rows_read"] == 25
    assert len(df) == 20  # 3 non-ERV Iraqi rows and 2 Syrian rows left out
    weapons = df["attack_type"].value_counts()
    assert weapons[weapons > 0].to_dict() == {
        "rocket": 8,
        "ied": 7,
        "drone": 3,
        "ballistic_missile": 1,
        "unknown": 1,
    }
    assert (df["confirmation"] == "confirmed").all()
    assert df["source_url"].isna().all()
    first = by_id(df, "IRQ90001")
    assert first["date"] == pd.Timestamp("2020-01-08")
    assert first["governorate"] == "Anbar"
    assert first["target_type"] == "us_military_base"
    assert first["attack_type"] == "ballistic_missile"
    assert by_id(df, "IRQ90003")["target_type"] == "us_embassy"
    assert by_id(df, "IRQ90005")["target_type"] == "coalition_convoy"
    assert pd.isna(by_id(df, "IRQ90014")["target_type"])  # an Iraqi army patrol: not named
    assert by_id(df, "IRQ90009")["actor"] == "Saraya Awliya al-Dam"
    assert by_id(df, "IRQ90004")["killed"] == 3
    month = by_id(df, "IRQ90012")
    assert (month["date_precision"], month["date"]) == ("month", pd.Timestamp("2021-06-01"))
    assert month["governorate"] == "Nineveh"  # "Ninewa"
    week = by_id(df, "IRQ90007")
    assert week["date_precision"] == "day" and "within a week" in week["curation_note"]
    assert "line two" in by_id(df, "IRQ90018")["description"]  # quoted line break kept
    assert df["date"].is_monotonic_increasing


def test_acled_older_export_with_long_dates():
    old = acled.load(FIXTURES / "acled_old_format.csv")
    new = acled.load(FIXTURES / "acled_iraq_sample.csv")
    assert_incident_schema(old, "acled")
    assert len(old) == 4
    merged = old.merge(new, on="source_event_id", suffixes=("_old", "_new"))
    assert (merged["date_old"] == merged["date_new"]).all()


def test_acled_bad_cells_name_file_line_and_field(tmp_path):
    text = (FIXTURES / "acled_iraq_sample.csv").read_bytes().decode("utf-8-sig")
    lines = text.split("\r\n")
    # line 3 of the file is IRQ90002; the note of IRQ90018 spans two lines, so later rows'
    # line numbers are one more than their record number
    lines[2] = lines[2].replace("2020-01-08", "2020-31-08")
    bad = tmp_path / "bad.csv"
    bad.write_text("\r\n".join(lines), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        acled.load(bad)
    assert [(p.line, p.field) for p in err.value.problems] == [(3, "event_date")]
    assert str(bad) in str(err.value) and "2020-31-08" in str(err.value)
    i = next(k for k, line in enumerate(lines) if line.startswith("IRQ90019"))
    lines[2] = lines[2].replace("2020-31-08", "2020-01-08")
    lines[i] = (
        lines[i]
        .replace(",Shelling/artillery/missile attack,1,", ",x,1,")
        .replace("Baghdad - Green Zone", "x")
    )
    fields = lines[i].split(",")
    fields[3] = "7"  # time_precision
    lines[i] = ",".join(fields)
    bad.write_text("\r\n".join(lines), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        acled.load(bad)
    assert [(p.line, p.field) for p in err.value.problems] == [(i + 2, "time_precision")]


def test_acled_missing_column_is_reported(tmp_path):
    text = (FIXTURES / "acled_old_format.csv").read_text().replace("sub_event_type", "subtype")
    (tmp_path / "x.csv").write_text(text)
    with pytest.raises(DataValidationError, match="missing column.*sub_event_type"):
        acled.load(tmp_path / "x.csv")


# --- UCDP ---------------------------------------------------------------------------------------


def test_ucdp_fixture_maps_into_the_incident_schema():
    df = ucdp.load(FIXTURES / "ged_iraq_sample.csv")
    assert_incident_schema(df, "ucdp")
    assert df.attrs["had_header"] and df.attrs["rows_read"] == 9
    assert len(df) == 8  # the Syrian event left out
    taji = by_id(df, "990003")
    assert taji["date"] == pd.Timestamp("2020-03-11") and taji["governorate"] == "Baghdad"
    assert taji["actor"] == "Kataib Hezbollah"
    assert (taji["killed"], taji["deaths_low"], taji["deaths_high"]) == (3, 3, 3)
    assert "Synthetic Wire" in taji["source_title"]  # source_article, with its commas
    ranged = by_id(df, "990004")
    assert ranged["date_precision"] == "day" and "2020-05-05" in ranged["curation_note"]
    month = by_id(df, "990005")
    assert (month["date_precision"], month["date"]) == ("month", pd.Timestamp("2020-07-01"))
    assert by_id(df, "990009")["governorate"] == "Anbar"  # "Al Anbar province"
    counts = df["attack_type"].value_counts()
    assert counts[counts > 0].to_dict() == {"unknown": 2, "rocket": 2, "ied": 2, "drone": 2}
    assert df["killed"].sum() == 2 + 5 + 3 + 4 + 3 + 2 + 1 + 1


def test_ucdp_headerless_candidate_and_zip(tmp_path):
    df = ucdp.load(FIXTURES / "ged_candidate_noheader.csv")
    assert_incident_schema(df, "ucdp")
    assert not df.attrs["had_header"] and len(df) == 3
    with_header = ucdp.load(FIXTURES / "ged_iraq_sample.csv")
    same = with_header[with_header["source_event_id"].isin(df["source_event_id"])]
    pd.testing.assert_series_equal(
        df["date"].reset_index(drop=True), same["date"].reset_index(drop=True)
    )
    archive = tmp_path / "ged251-csv.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(FIXTURES / "ged_iraq_sample.csv", "GEDEvent_v25_1.csv")
    assert len(ucdp.load(archive)) == 8


def test_ucdp_bad_cells(tmp_path):
    text = (FIXTURES / "ged_iraq_sample.csv").read_text()
    lines = text.splitlines()
    assert lines[2].startswith("990002,")  # file line 3
    lines[2] = lines[2].replace(",1,2020-09-28 00:00:00.000,", ",1,not-a-date,", 1)
    (tmp_path / "g.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError) as err:
        ucdp.load(tmp_path / "g.csv")
    assert [(p.line, p.field) for p in err.value.problems] == [(3, "date_start")]


# --- GDELT --------------------------------------------------------------------------------------


def test_gdelt2_filters_collapses_and_maps():
    df = gdelt.load(GDELT2)
    assert_incident_schema(df, "gdelt")
    assert df.attrs["rows_read"] == 20
    assert df.attrs["rows_matched"] == 15  # Iraq and root 18/19/20 (not "0211", "173", "040")
    assert len(df) == 12  # 3 Ain al-Asad reports are one event, 2 Erbil drone reports one
    assert df["num_reports"].sum() == 15
    ain = by_id(df, "900000001")
    assert (ain["num_reports"], ain["num_articles"]) == (3, 40 + 12 + 3)
    assert ain["source_url"].endswith("ain-al-asad-1")  # the most-cited report's URL
    assert ain["governorate"] == "Anbar" and ain["date"] == pd.Timestamp("2020-01-08")
    assert (df["confirmation"] == "claimed").all() and (df["source_reliability"] == "low").all()
    assert by_id(df, "900000009")["attack_type"] == "drone"  # CAMEO 1952
    assert by_id(df, "900000007")["attack_type"] == "ied"  # 1833 roadside bombing
    assert by_id(df, "900000005")["attack_type"] == "rocket"  # 194 artillery
    assert by_id(df, "900000006")["actor"] == "Kataib Hezbollah"
    assert by_id(df, "900000012")["governorate"] == "Kirkuk"  # IZ13
    assert by_id(df, "900000014")["governorate"] == "unknown"  # country-level match
    assert by_id(df, "900000015")["governorate"] == "Anbar"  # no ADM1 code: from the name
    assert pd.isna(by_id(df, "900000008")["source_url"])  # empty SOURCEURL
    assert df["target_type"].isna().all()


def test_gdelt1_layouts_zip_crlf_and_folders(tmp_path):
    v1 = gdelt.load(FIXTURES / "20200108.export.CSV")  # 58 columns
    assert_incident_schema(v1, "gdelt")
    assert (v1.attrs["rows_matched"], len(v1)) == (8, 6)
    backfile = gdelt.load(FIXTURES / "gdelt1_backfile_57.csv")  # 57 columns, no SOURCEURL
    assert len(backfile) == 1 and backfile["source_url"].isna().all()
    plain = gdelt.load(GDELT2)
    archive = tmp_path / "20200108000000.export.CSV.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(GDELT2, GDELT2.name)
    crlf = tmp_path / "crlf.export.CSV"
    crlf.write_bytes(GDELT2.read_bytes().replace(b"\n", b"\r\n"))
    for other in (gdelt.load(archive, block_size=1024), gdelt.load(crlf)):
        assert other[list(INCIDENT_COLUMNS)].equals(plain[list(INCIDENT_COLUMNS)])
    # a folder: both files, the same events counted once per GLOBALEVENTID
    (tmp_path / "notes.txt").write_text("not a GDELT file")
    folder = gdelt.load(tmp_path)
    assert folder.attrs["files"] == [str(archive), str(crlf)]
    assert folder["incident_id"].tolist() == plain["incident_id"].tolist()


def test_gdelt_block_size_does_not_change_the_result():
    a = gdelt.load(GDELT2, block_size=512)
    b = gdelt.load(GDELT2)
    assert a[list(INCIDENT_COLUMNS)].equals(b[list(INCIDENT_COLUMNS)])


def test_gdelt_bad_rows_name_file_line_and_field(tmp_path):
    lines = GDELT2.read_text().splitlines()
    short = tmp_path / "short.CSV"
    short.write_text("\n".join(lines[:4] + ["\t".join(lines[4].split("\t")[:40])] + lines[5:]))
    with pytest.raises(DataValidationError) as err:
        gdelt.load(short)
    assert [(p.line, p.field) for p in err.value.problems] == [(5, "(row)")]
    assert "40 fields" in str(err.value)
    fields = lines[6].split("\t")
    fields[1] = "2020-03-1"  # SQLDATE
    bad_date = tmp_path / "date.CSV"
    bad_date.write_text("\n".join(lines[:6] + ["\t".join(fields)] + lines[7:]) + "\n")
    with pytest.raises(DataValidationError) as err:
        gdelt.load(bad_date)
    assert [(p.line, p.field) for p in err.value.problems] == [(7, "SQLDATE")]
    wrong = tmp_path / "wrong.CSV"
    wrong.write_text("a\tb\tc\n")
    with pytest.raises(DataValidationError, match="57, 58 or 61"):
        gdelt.load(wrong)
    with pytest.raises(FileNotFoundError):
        gdelt.load(tmp_path / "missing.CSV")


# GDELT pre-filter: the fast scan must equal an obvious one that splits every line into fields.


def reference_scan(path: Path) -> tuple[pd.DataFrame, int]:
    """Slow, obvious reading: every line split into fields, then the exact filter."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            data = zf.read(zf.namelist()[0])
    rows, n_rows, names = [], 0, None
    for number, raw in enumerate(data.decode("utf-8").split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line:
            continue
        fields = line.split("\t")
        names = names or gdelt.LAYOUTS[len(fields)]
        assert len(fields) == len(names), number
        n_rows += 1
        row = dict(zip(names, fields, strict=True))
        if row["ActionGeo_CountryCode"] == "IZ" and row["EventRootCode"] in {"18", "19", "20"}:
            rows.append({c: row.get(c, "") for c in gdelt.NEEDED} | {"line": number})
    return pd.DataFrame(rows, columns=[*gdelt.NEEDED, "line"]).astype({"line": "int64"}), n_rows


def with_fields(line: str, **changes: str) -> str:
    """A GDELT 2.0 line with some fields (by column name) replaced."""
    fields = line.split("\t")
    for name, value in changes.items():
        fields[gdelt.LAYOUTS[61].index(name)] = value
    return "\t".join(fields)


def tricky_gdelt(folder: Path) -> list[Path]:
    """GDELT 2.0 files built to trip a byte-level pre-filter, as LF, CRLF and zip."""
    lines = GDELT2.read_text(encoding="utf-8").splitlines()
    iraq, syria = lines[0], lines[17]
    body = [
        iraq,
        with_fields(syria, Actor1Geo_CountryCode="IZ"),  # "IZ" in another column: dropped
        with_fields(iraq, EventRootCode="180"),  # "180" is not "18": dropped
        with_fields(iraq, EventRootCode="1"),
        with_fields(iraq, EventRootCode="20", GLOBALEVENTID="900000101"),  # kept
        with_fields(iraq, ActionGeo_CountryCode=" IZ"),  # not exactly "IZ": dropped
        with_fields(iraq, ActionGeo_CountryCode="IZZ"),
        with_fields(syria, SOURCEURL="IZ"),  # "\tIZ" at the line end, no tab after
        "",  # an empty line: skipped, but it counts in the line numbers
        with_fields(iraq, ActionGeo_FullName="Āmirlī, Salah ad Din, Iraq", GLOBALEVENTID="9001"),
        *lines[1:17],
        with_fields(lines[4], GLOBALEVENTID="900000102"),  # the last line, without a newline
    ]
    lf = folder / "tricky.export.CSV"
    lf.write_bytes("\n".join(body).encode("utf-8"))
    crlf = folder / "tricky_crlf.export.CSV"
    crlf.write_bytes(lf.read_bytes().replace(b"\n", b"\r\n"))
    archive = folder / "tricky.export.CSV.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(crlf, crlf.name)
    return [lf, crlf, archive]


def test_gdelt_prefilter_scan_equals_a_full_parse(tmp_path):
    files = [GDELT2, FIXTURES / "20200108.export.CSV", FIXTURES / "gdelt1_backfile_57.csv"]
    files += tricky_gdelt(tmp_path)
    for path in files:
        expected, n_rows = reference_scan(path)
        for block_size in (1, 37, 500, 4096, 4 << 20):  # 1 and 37 split every line
            table, n = gdelt.scan(path, block_size=block_size)
            got = table.to_pandas()
            pd.testing.assert_frame_equal(got, expected, check_dtype=False)
            assert got["line"].dtype == "int64"
            assert n == n_rows, (path.name, block_size)
    kept, _ = reference_scan(tmp_path / "tricky.export.CSV")
    assert kept["GLOBALEVENTID"].tolist()[:3] == ["900000001", "900000101", "9001"]
    assert kept["line"].tolist()[:3] == [1, 5, 10]  # line 9 is the empty one


def test_gdelt_positions_of_a_sparse_mask_match_flatnonzero():
    rng = np.random.default_rng(7)
    for size in (0, 1, 7, 8, 9, 64, 1001):
        for share in (0.0, 0.002, 0.2, 1.0):  # 0.2 and 1.0 put several hits in one 8-byte word
            mask = rng.random(size) < share
            assert gdelt._positions(mask).tolist() == np.flatnonzero(mask).tolist()


def test_gdelt_load_with_prefilter_equals_load_of_a_full_parse(tmp_path, monkeypatch):
    files = tricky_gdelt(tmp_path)
    fast = gdelt.load(files, block_size=64)

    def slow_scan(path, *, block_size, countries):
        assert countries == ("IZ",)  # the shipped case's, read from its case file
        frame, n_rows = reference_scan(Path(path))
        return pa.Table.from_pandas(frame, preserve_index=False), n_rows

    monkeypatch.setattr(gdelt, "scan", slow_scan)
    slow = gdelt.load(files)
    assert fast.attrs == slow.attrs
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.attrs["rows_read"] == 3 * 26 and fast.attrs["rows_matched"] == 18
    # a file without any Iraq attack row (common for a 15-minute file): no rows, same columns
    none = tmp_path / "none" / "20200108001500.export.CSV"
    none.parent.mkdir()
    none.write_text("\n".join(GDELT2.read_text().splitlines()[15:19]) + "\n")
    empty = gdelt.load(none)
    assert len(empty) == 0 and empty.attrs["rows_read"] == 4
    assert (empty.dtypes == fast.dtypes).all() and list(empty.columns) == list(fast.columns)


def test_gdelt_prefilter_still_reports_bad_rows(tmp_path):
    lines = GDELT2.read_text().splitlines()
    iraq, syria = lines[0], lines[17]

    def problems(body: list[str], **kwargs) -> list[tuple[int, str]]:
        path = tmp_path / "bad.CSV"
        path.write_bytes("\n".join(body).encode("utf-8", "surrogateescape") + b"\n")
        with pytest.raises(DataValidationError) as err:
            gdelt.load(path, **kwargs)
        return [(p.line, p.field) for p in err.value.problems], str(err.value)

    # a line that cannot be an Iraq row, one field short: caught by the block's tab count
    found, text = problems([iraq, syria, syria.rsplit("\t", 1)[0], iraq])
    assert found == [(3, "(row)")] and "60 fields, expected 61" in text
    # an Iraq row one field short, next to a line one field over in the same block: the tab
    # count adds up, the candidate's own check still names it
    found, text = problems([iraq, syria + "\textra", "\t".join(iraq.split("\t")[:-1]), iraq])
    assert found == [(3, "(row)")] and "60 fields" in text
    # a carriage return inside a line, and a candidate that is not UTF-8
    found, text = problems([iraq, syria.replace("Syria", "Syr\ria", 1), iraq])
    assert found == [(2, "(row)")] and "carriage return" in text
    bad_bytes = with_fields(iraq, ActionGeo_FullName="Baghdad \udcff")  # byte 0xFF
    found, text = problems([syria, iraq, bad_bytes], block_size=100)
    assert found == [(3, "(row)")] and "UTF-8" in text
    with pytest.raises(ValueError, match="block_size"):
        gdelt.load(GDELT2, block_size=0)


# --- shared pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Al Anbar", "Anbar"),
        ("Ninawa governorate", "Nineveh"),
        ("Arbil", "Erbil"),
        ("At Ta'mim", "Kirkuk"),
        ("Salah ad Din province", "Salah al-Din"),
        ("Al-Qadisiyah", "Al-Qadisiyah"),
        ("Dihok", "Duhok"),
        ("Thi-Qar", "Dhi Qar"),
        ("Atlantis", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_governorate_names_are_normalised(name, expected):
    assert normalise_governorate(name) == expected


def test_schema_check_catches_violations():
    frame = acled.load(FIXTURES / "acled_old_format.csv")
    broken = frame.copy()
    broken.loc[0, "incident_id"] = broken.loc[1, "incident_id"]
    with pytest.raises(DataValidationError, match="duplicated"):
        check_incident_frame(broken)
    broken = frame.copy()
    broken["governorate"] = broken["governorate"].astype(str)
    with pytest.raises(DataValidationError, match="dtype"):
        check_incident_frame(broken)
    assert list(empty_incidents().dtypes) == list(load_incidents().dtypes)
