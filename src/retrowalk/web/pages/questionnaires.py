"""Questionnaires a patient fills in: NPRS weekly; ODI, RMDQ or STarT Back every 4 weeks.

Items are shown as the instrument registry allows: the ODI and STarT Back statements and the
RMDQ statements are licensed text that retrowalk does not ship (``Instrument.licence``), so their
items appear by section or domain name, or by number, with the answer positions of the printed
form; the note on the page says so.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from retrowalk.domain.instruments import Instrument, ItemSpec, get_instrument
from retrowalk.errors import InputError
from retrowalk.schemas.parsing import validate
from retrowalk.services import outcomes
from retrowalk.services.inputs import OutcomeIn
from retrowalk.web.pages.formatting import date_text, local_date
from retrowalk.web.pages.guards import PageError, require
from retrowalk.web.pages.patient_records import load_records
from retrowalk.web.pages.questionnaires_due import due_today
from retrowalk.web.pages.rendering import render
from retrowalk.web.pages.session_user import check_csrf, runtime_of

router = APIRouter(include_in_schema=False)

OFFERED: tuple[str, ...] = ("nprs", "odi", "rmdq", "start_back")

BINARY_LABELS: dict[str, tuple[str, str]] = {
    "rmdq": ("Applies to me today", "Does not apply"),
    "start_back": ("Agree", "Disagree"),
}

INTRO: dict[str, str] = {
    "nprs": "How much has your back hurt this week, on average?",
    "odi": (
        "For each section, choose the position of the statement on your printed Oswestry form "
        "that best describes you today: the first statement is the least difficulty, the "
        "sixth (the last) the most. You may leave one section out."
    ),
    "rmdq": (
        "Tick each numbered statement of your printed Roland-Morris form that describes you "
        "today because of your back pain."
    ),
    "start_back": (
        "Answer each item of your printed STarT Back form, thinking about the last 2 weeks."
    ),
}


LICENSED_TEXT_NOTE = (
    "The questionnaire's own statements are copyrighted, so they are not shown here: answer "
    "from the printed form your clinician gave you."
)
"""What a patient is told about an instrument whose text retrowalk does not ship (the
instrument's licence note is for operators: it names command-line options)."""


def _offered(instrument_id: str) -> Instrument:
    if instrument_id not in OFFERED:
        raise PageError(404, "Not found", "There is no such questionnaire here.")
    return get_instrument(instrument_id)


def item_widget(instrument: Instrument, item: ItemSpec) -> dict[str, Any]:
    """How one item is answered on the page: a list of (value, label) choices."""
    if item.options:
        choices = [(str(i), label) for i, label in enumerate(item.options)]
    elif item.minimum == 0 and item.maximum == 1 and item.integer:
        yes, no = BINARY_LABELS.get(instrument.id, ("Yes", "No"))
        choices = [("1", yes), ("0", no)]
    elif instrument.id == "odi":
        positions = int(item.maximum) + 1
        choices = [
            (
                str(i),
                f"statement {i + 1} of {positions}"
                + (" (least)" if i == 0 else " (most)" if i == positions - 1 else ""),
            )
            for i in range(positions)
        ]
    else:
        low, high = int(item.minimum), int(item.maximum)
        choices = [(str(v), str(v)) for v in range(low, high + 1)]
    label = (
        item.name
        if instrument.id != "nprs"
        else "Pain this week, 0 (none) to 10 (worst imaginable)"
    )
    return {
        "field": f"item_{item.number}",
        "label": f"{item.number}. {label}" if instrument.item_count > 1 else label,
        "choices": choices,
        "compact": len(choices) > 6,
        "optional": instrument.max_missing > 0,
    }


def item_problems(instrument: Instrument, values: dict[str, str]) -> dict[str, str]:
    """The items to mark beside their question after the service refused the answers.

    An answer outside the item's choices is always marked; unanswered items only when more
    are unanswered than the instrument allows (``max_missing``, e.g. one for the ODI).
    """
    problems: dict[str, str] = {}
    empty: list[str] = []
    for item in instrument.items:
        widget = item_widget(instrument, item)
        value = values.get(widget["field"], "").strip()
        if not value:
            empty.append(widget["field"])
        elif value not in {choice for choice, _label in widget["choices"]}:
            problems[widget["field"]] = "Choose one of the answers shown."
    if len(empty) > instrument.max_missing:
        problems.update(dict.fromkeys(empty, "Please answer this question."))
    return problems


@router.get("/app/questionnaires")
def questionnaire_list(request: Request) -> Response:
    user = require(request, "patient")
    records = load_records(runtime_of(request), user.actor, user.user_id)
    done = [(o.instrument, local_date(o.assessed_at, records.tz)) for o in records.outcomes]
    due_ids = {i for d in due_today(done, records.today()) for i in d.slot.instruments}
    rows = []
    for instrument_id in OFFERED:
        instrument = get_instrument(instrument_id)
        dates = [day for i, day in done if i == instrument_id]
        rows.append(
            {
                "name": instrument.name,
                "url": f"/app/questionnaires/{instrument_id}",
                "last": date_text(max(dates)) if dates else "never",
                "due": instrument_id in due_ids,
            }
        )
    return render(
        request, "patient/questionnaires.html", title="Questionnaires", user=user, rows=rows
    )


def _form_page(
    request: Request,
    instrument: Instrument,
    *,
    values: dict[str, str],
    error: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    user = require(request, "patient")
    return render(
        request,
        "patient/questionnaire.html",
        title=instrument.name,
        user=user,
        status_code=status_code,
        instrument=instrument,
        intro=INTRO.get(instrument.id, ""),
        licence_note="" if instrument.licence.item_text_shippable else LICENSED_TEXT_NOTE,
        items=[item_widget(instrument, item) for item in instrument.items],
        values=values,
        error=error,
        errors=errors or {},
        action=f"/app/questionnaires/{instrument.id}",
    )


@router.get("/app/questionnaires/{instrument_id}")
def questionnaire_form(request: Request, instrument_id: str) -> Response:
    require(request, "patient")
    return _form_page(request, _offered(instrument_id), values={})


@router.post("/app/questionnaires/{instrument_id}")
async def questionnaire_save(request: Request, instrument_id: str) -> Response:
    user = require(request, "patient")
    instrument = _offered(instrument_id)
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(request, user, token if isinstance(token, str) else None)
    values = {
        f"item_{item.number}": str(form.get(f"item_{item.number}") or "")
        for item in instrument.items
    }
    items: list[float | None] = []
    for item in instrument.items:
        raw = values[f"item_{item.number}"].strip()
        try:
            items.append(float(raw) if raw else None)
        except ValueError:
            items.append(None)
    try:
        data = validate(OutcomeIn, {"instrument": instrument.id, "items": items})
        outcomes.record_outcome(runtime_of(request), user.actor, user.user_id, data)
    except InputError as error:
        return _form_page(
            request,
            instrument,
            values=values,
            error=error.problem,
            errors=item_problems(instrument, values),
            status_code=422,
        )
    return RedirectResponse("/app?done=questionnaire", status_code=303)
