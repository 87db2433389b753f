from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from retrowalk.exchange.records import PatientRecord
from retrowalk.reports.clinician_pdf import render_clinician_pdf
from retrowalk.reports.outcome_trends import outcome_trends
from retrowalk.reports.report_data import ClinicianReportData
from tests.exchange.samples import sample_records, sample_sessions

from .pdf_text import PdfText, pdf_text

GENERATED = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


def full_report() -> ClinicianReportData:
    records = sample_records()
    return ClinicianReportData(
        patient=records.patient,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        generated_at=GENERATED,
        program=records.program,
        sessions=records.sessions,
        outcome_trends=outcome_trends(records.outcomes),
        clinician_name="Dr. Rivera",
    )


@pytest.fixture(scope="module")
def full_pdf() -> bytes:
    return render_clinician_pdf(full_report())


@pytest.fixture(scope="module")
def full(full_pdf: bytes) -> PdfText:
    return pdf_text(full_pdf)


def test_the_report_is_a_pdf_of_two_pages(full_pdf: bytes, full: PdfText) -> None:
    assert full_pdf.startswith(b"%PDF-")
    assert len(full.pages) == 2


def test_the_report_names_the_patient_period_and_says_it_is_not_medical_advice(
    full: PdfText,
) -> None:
    text = full.flat
    assert "Patient: Alex Example (id pat-42), born 1971" in text
    assert "Period: 2026-01-01 to 2026-01-31" in text
    assert "Not medical advice." in text


def test_every_page_has_the_footer_with_its_number(full: PdfText) -> None:
    pages = full.pages
    for number, page in enumerate(pages, start=1):
        assert f"not medical advice · page {number}" in page


def test_the_report_shows_the_plan_its_current_dose_and_sources(full: PdfText) -> None:
    text = full.flat
    assert "template clbp-overground-beginner · revision 2 · status active" in text
    # six sessions done, the seventh (19 Jan) missed: it is the next one, due now
    assert "Next session (planned for 2026-01-19, due now): Week 3." in text
    assert "backward walking 7 min" in text
    assert "Dufek JS et al. 2011" in text


def test_adherence_counts_only_sessions_due_by_the_report_date(full: PdfText) -> None:
    text = full.flat
    assert "Sessions done: 6 of 7 due (86 %)." in text
    assert "33 min logged of 40 min planned" in text


def test_adherence_in_a_short_period_counts_the_sessions_done_in_it_not_their_numbers() -> None:
    # behind schedule: on 12 Jan (the day planned for session 4) the patient did session 3
    full = full_report()
    behind = tuple(
        replace(s, planned_session_id="ps-1-4") if s.started_at.date() == date(2026, 1, 12) else s
        for s in full.sessions
        if s.started_at.date() != date(2026, 1, 9)
    )
    report = replace(
        full, sessions=behind, period_start=date(2026, 1, 12), period_end=date(2026, 1, 13)
    )
    text = pdf_text(render_clinician_pdf(report)).flat
    assert "Sessions done: 1 of 1 due (100 %)." in text


def test_outcomes_show_scores_and_the_meaningful_change_status(full: PdfText) -> None:
    text = full.flat
    assert "Numeric Pain Rating Scale" in text
    assert "improved: meaningful change (-3 points; MIC" in text
    assert "-13.3 percentage points" in text
    assert "one assessment in this period: no change to judge yet" in text


def test_safety_events_and_measured_gait_are_listed(full: PdfText) -> None:
    text = full.flat
    assert "2026-01-14 near fall" in text
    assert "2026-01-16 6 / 5.6 415 65 steps/min / 0.38 m/s 6.8 / 700 gait-1.0" in text


def test_sessions_outside_the_period_are_left_out() -> None:
    report = replace(full_report(), period_start=date(2026, 1, 15), period_end=date(2026, 1, 31))
    text = pdf_text(render_clinician_pdf(report)).flat
    assert "near fall" not in text
    assert "2026-01-16 6 / 5.6" in text


def test_a_patient_without_program_or_data_gets_a_one_page_report_saying_so() -> None:
    report = ClinicianReportData(
        patient=PatientRecord("p-1", "Jo Novak"),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        generated_at=GENERATED,
        program=None,
        sessions=(),
        outcome_trends=(),
    )
    pdf = pdf_text(render_clinician_pdf(report))
    assert len(pdf.pages) == 1
    for expected in (
        "No program has been prescribed.",
        "No session pain ratings in this period.",
        "No outcome assessments in this period.",
        "No safety event was logged in this period.",
        "No recording was attached to a session in this period.",
    ):
        assert expected in pdf.flat


def test_a_paused_program_is_reported_as_paused() -> None:
    report = full_report()
    assert report.program is not None
    paused = replace(report, program=replace(report.program, status="paused"))
    assert "The program is paused." in pdf_text(render_clinician_pdf(paused)).flat


def test_a_long_history_flows_onto_more_pages_and_keeps_unicode_notes() -> None:
    base = sample_sessions()[4]
    many = tuple(
        replace(
            base,
            log_id=f"log-{i}",
            started_at=base.started_at + timedelta(hours=i),
            ended_at=base.ended_at + timedelta(hours=i),
            notes=f"Knie ok, Rücken ≤ gestern — Schritt {i}",
        )
        for i in range(60)
    )
    pdf = pdf_text(render_clinician_pdf(replace(full_report(), sessions=many)))
    assert len(pdf.pages) >= 3
    assert "Rücken ≤ gestern — Schritt 59" in pdf.flat


def test_sessions_and_outcomes_on_a_single_day_still_chart() -> None:
    report = full_report()
    one_day = tuple(
        replace(s, started_at=s.started_at.replace(day=5), ended_at=s.ended_at.replace(day=5))
        for s in report.sessions
    )
    text = pdf_text(render_clinician_pdf(replace(report, sessions=one_day))).flat
    assert "Pain before sessions went from 6 (2026-01-05)" in text


def test_a_paused_program_says_why() -> None:
    report = full_report()
    assert report.program is not None
    paused = replace(
        report,
        program=replace(report.program, status="paused"),
        program_note="paused after near fall",
    )
    assert (
        "The program is paused (paused after near fall)."
        in pdf_text(render_clinician_pdf(paused)).flat
    )


def test_plan_sources_from_the_evidence_base_carry_their_citation() -> None:
    report = full_report()
    assert report.program is not None
    cited = replace(report, program=replace(report.program, sources=("whitley2011",)))
    text = pdf_text(render_clinician_pdf(cited)).flat
    assert "whitley2011: Whitley CR, Dufek JS" in text


@pytest.mark.parametrize("name", ["W" * 120, "محمد عبد الرحمن بن " * 6])
def test_a_long_name_is_shortened_in_the_footer_so_the_period_and_page_show(name: str) -> None:
    report = replace(full_report(), patient=PatientRecord("p-1", name[:120]))
    pages = pdf_text(render_clinician_pdf(report)).pages
    for number, page in enumerate(pages, start=1):
        footer = page.strip().splitlines()[-1]
        assert footer.endswith(f"2026-01-31 · not medical advice · page {number}"), footer
        assert "…" in footer
