from __future__ import annotations

from datetime import timedelta
from functools import cache

import fitdecode.utils
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrowalk.errors import InputError
from retrowalk.exchange.watch_import import read_watch_file

from .watch_files import START, fit_bytes, gpx_text, tcx_text


@cache
def default_fit() -> bytes:
    return fit_bytes()


def refused_source(data: bytes, name: str) -> str | None:
    """``None`` when the file reads, else the source its InputError names (other errors fail)."""
    try:
        read_watch_file(data, filename=name)
    except InputError as error:
        return error.location.source
    return None


def test_a_gpx_track_gives_duration_distance_and_heart_rate() -> None:
    draft = read_watch_file(gpx_text().encode(), filename="walk.gpx")
    assert draft.source_format == "gpx"
    assert draft.started_at == START
    assert draft.duration_min == pytest.approx(20.0)
    assert draft.distance_m == pytest.approx(1080, rel=0.01)
    assert draft.heart_rate_max_bpm == 109
    assert draft.heart_rate_mean_bpm == 99
    assert draft.points == 61


def test_a_gpx_track_without_heart_rate_leaves_it_empty() -> None:
    draft = read_watch_file(gpx_text(heart_rate=False).encode(), filename="walk.gpx")
    assert draft.heart_rate_mean_bpm is None


def test_a_tcx_activity_uses_its_lap_totals() -> None:
    draft = read_watch_file(tcx_text().encode(), filename="walk.tcx")
    assert draft.source_format == "tcx"
    assert draft.started_at == START
    assert draft.duration_min == pytest.approx(20.0)
    assert draft.distance_m == pytest.approx(1234.5)
    assert draft.heart_rate_mean_bpm == 101
    assert draft.heart_rate_max_bpm == 102


def test_a_fit_activity_uses_its_session_message() -> None:
    draft = read_watch_file(fit_bytes(), filename="walk.FIT")
    assert draft.source_format == "fit"
    assert draft.started_at == START
    assert draft.ended_at == START + timedelta(minutes=15)
    assert draft.duration_min == pytest.approx(15.0)
    assert draft.distance_m == pytest.approx(750.0)
    assert (draft.heart_rate_mean_bpm, draft.heart_rate_max_bpm) == (99, 104)
    assert draft.points == 31


def test_a_fit_file_without_a_session_is_summarised_from_its_records() -> None:
    draft = read_watch_file(fit_bytes(records=21, with_session=False), filename="walk.fit")
    assert draft.duration_min == pytest.approx(10.0)
    assert draft.distance_m == pytest.approx(500.0)
    assert draft.heart_rate_max_bpm == 104


def test_the_format_is_found_from_the_content_when_the_name_has_no_extension() -> None:
    assert read_watch_file(fit_bytes(), filename="upload").source_format == "fit"
    assert read_watch_file(gpx_text().encode(), filename="upload").source_format == "gpx"
    assert read_watch_file(tcx_text().encode(), filename="upload").source_format == "tcx"


def test_a_file_that_is_not_a_fit_file_is_refused() -> None:
    with pytest.raises(InputError, match=r"walk\.fit: not a FIT file"):
        read_watch_file(b"this is plainly a text file, not FIT", filename="walk.fit")


def test_a_fit_file_with_a_flipped_byte_is_refused_as_corrupt() -> None:
    data = bytearray(fit_bytes())
    data[40] ^= 0xFF
    with pytest.raises(InputError, match="corrupt"):
        read_watch_file(bytes(data), filename="walk.fit")


def test_a_truncated_fit_file_is_refused() -> None:
    with pytest.raises(InputError, match=r"walk\.fit: the FIT file is (truncated|corrupt)"):
        read_watch_file(fit_bytes()[:-40], filename="walk.fit")


def test_an_oversized_file_is_refused_before_parsing() -> None:
    with pytest.raises(InputError, match="the limit is 1000 bytes"):
        read_watch_file(gpx_text().encode(), filename="walk.gpx", max_bytes=1000)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InputError, match="empty"):
        read_watch_file(b"", filename="walk.gpx")


def test_malformed_tcx_is_refused_with_line_and_column() -> None:
    with pytest.raises(InputError, match="line 2, column"):
        read_watch_file(tcx_text()[:300].encode(), filename="walk.tcx")


def test_malformed_gpx_is_refused() -> None:
    with pytest.raises(InputError, match="not a valid GPX file"):
        read_watch_file(gpx_text()[:200].encode(), filename="walk.gpx")


def test_xml_with_entity_declarations_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
        '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">&lol;</gpx>'
    )
    with pytest.raises(InputError, match="document type declaration"):
        read_watch_file(bomb.encode(), filename="walk.gpx")


def test_a_gpx_file_without_times_is_refused() -> None:
    text = gpx_text().replace("<time>", "<!--").replace("</time>", "-->")
    with pytest.raises(InputError, match="no timed track points"):
        read_watch_file(text.encode(), filename="walk.gpx")


def test_an_unknown_file_type_is_refused() -> None:
    with pytest.raises(InputError, match="unknown file type"):
        read_watch_file(b"hello", filename="walk.txt")


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(["walk.gpx", "walk.tcx", "walk.fit", "upload"]),
    prefix=st.sampled_from([b"", fit_bytes()[:14], gpx_text()[:300].encode(), b"<gpx"]),
    tail=st.binary(max_size=400),
)
def test_any_bytes_give_a_draft_or_a_clear_input_error(
    name: str, prefix: bytes, tail: bytes
) -> None:
    assert refused_source(prefix + tail, name) in (None, name)


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(min_value=1, max_value=400), flip=st.integers(min_value=0, max_value=255))
def test_a_damaged_fit_file_gives_a_draft_or_a_clear_input_error(cut: int, flip: int) -> None:
    data = bytearray(default_fit())
    data[cut % len(data)] ^= flip
    assert refused_source(bytes(data[: len(data) - cut % 50]), "walk.fit") in (None, "walk.fit")


@settings(max_examples=150, deadline=None)
@given(position=st.integers(min_value=14, max_value=10_000), flip=st.integers(1, 255))
def test_damaged_fit_content_with_a_valid_crc_gives_a_draft_or_a_clear_input_error(
    position: int, flip: int
) -> None:
    body = bytearray(default_fit()[:-2])
    body[14 + (position - 14) % (len(body) - 14)] ^= flip
    crc = fitdecode.utils.compute_crc(bytes(body))
    data = bytes(body) + crc.to_bytes(2, "little")
    assert refused_source(data, "walk.fit") in (None, "walk.fit")


@pytest.mark.parametrize(
    ("find", "replace"),
    [
        ("<TotalTimeSeconds>1200</TotalTimeSeconds>", "<TotalTimeSeconds>inf</TotalTimeSeconds>"),
        ("<TotalTimeSeconds>1200</TotalTimeSeconds>", "<TotalTimeSeconds>nan</TotalTimeSeconds>"),
        ("<TotalTimeSeconds>1200</TotalTimeSeconds>", "<TotalTimeSeconds>1e300</TotalTimeSeconds>"),
        ("<TotalTimeSeconds>1200</TotalTimeSeconds>", "<TotalTimeSeconds>-600</TotalTimeSeconds>"),
        ("<Value>100</Value>", "<Value>inf</Value>"),
    ],
)
def test_tcx_numbers_that_are_not_finite_or_sensible_are_refused_by_name(
    find: str, replace: str
) -> None:
    text = tcx_text()
    assert find in text
    name = "TotalTimeSeconds" if "Total" in find else "Value"
    with pytest.raises(InputError, match=f"{name} must be a number from 0 to"):
        read_watch_file(text.replace(find, replace, 1).encode(), filename="walk.tcx")


@pytest.mark.parametrize("glitch", ["inf", "nan", "1e300", "0", "400"])
def test_gpx_heart_rates_that_are_glitches_are_left_out(glitch: str) -> None:
    text = gpx_text()
    assert "<gpxtpx:hr>90</gpxtpx:hr>" in text
    draft = read_watch_file(
        text.replace("<gpxtpx:hr>90</gpxtpx:hr>", f"<gpxtpx:hr>{glitch}</gpxtpx:hr>").encode(),
        filename="walk.gpx",
    )
    assert draft.heart_rate_max_bpm is not None
    assert 90 <= draft.heart_rate_max_bpm <= 109
