"""My details: units (metric or imperial), time zone, usual session time, year of birth, height,
weight, sensor height.

Lengths and weights are entered and shown in the person's units and stored in metres and
kilograms (the profile service's fields).
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from retrowalk.errors import InputError, NotFoundError
from retrowalk.schemas.parsing import validate
from retrowalk.services import profiles
from retrowalk.services.inputs import DEFAULT_SESSION_TIME, PatientProfileIn
from retrowalk.services.profiles import session_time_of
from retrowalk.web.pages.guards import require
from retrowalk.web.pages.rendering import render
from retrowalk.web.pages.session_user import check_csrf, runtime_of

router = APIRouter(include_in_schema=False)

M_PER_INCH = 0.0254
"""International inch (exact by definition)."""
KG_PER_LB = 0.45359237
"""International avoirdupois pound (exact by definition)."""

FIELDS = ("birth_year", "height", "weight", "sensor_height")


def shown_length(metres: float | None, units: str) -> str:
    if metres is None:
        return ""
    return f"{metres / M_PER_INCH:.1f}" if units == "imperial" else f"{metres * 100:.0f}"


def shown_weight(kg: float | None, units: str) -> str:
    if kg is None:
        return ""
    return f"{kg / KG_PER_LB:.0f}" if units == "imperial" else f"{kg:.1f}"


MEASURES = {"height": "height_m", "weight": "weight_kg", "sensor_height": "sensor_height_m"}
"""Form field -> the profile service's field (metres or kilograms)."""


def _bounds(service_field: str) -> tuple[float, float]:
    """The service's own limits of ``service_field`` (``ge``/``le`` of ``PatientProfileIn``)."""
    low = high = 0.0
    for rule in PatientProfileIn.model_fields[service_field].metadata:
        low = float(getattr(rule, "ge", low))
        high = float(getattr(rule, "le", high))
    return low, high


def range_problem(field: str, units: str) -> str:
    """What to enter in ``field``, with the service's limits shown in the person's units.

    The service checks metres and kilograms; "less than or equal to 2" next to a field in
    centimetres would mislead, so the page says "from 10 to 200 cm" instead.
    """
    low, high = _bounds(MEASURES[field])
    if field == "weight":
        if units == "imperial":
            return (
                f"Enter a weight from {_up(low / KG_PER_LB, 0)} to {_down(high / KG_PER_LB, 0)} lb."
            )
        return f"Enter a weight from {low:g} to {high:g} kg."
    if units == "imperial":
        low_in, high_in = _up(low / M_PER_INCH, 1), _down(high / M_PER_INCH, 1)
        return f"Enter a number from {low_in} to {high_in} inches."
    return f"Enter a number from {_up(low * 100, 0)} to {_down(high * 100, 0)} cm."


def _up(value: float, decimals: int) -> str:
    """``value`` rounded up, so the shown lower limit is itself accepted."""
    scale = 10**decimals
    return f"{math.ceil(round(value * scale, 6)) / scale:g}"


def _down(value: float, decimals: int) -> str:
    scale = 10**decimals
    return f"{math.floor(round(value * scale, 6)) / scale:g}"


def _number(text: str, field: str) -> float | None:
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        raise InputError("please enter a number", field=field) from None


def _page(
    request: Request, values: dict[str, str], *, error: str = "", field: str | None = None
) -> Response:
    user = require(request, "patient")
    return render(
        request,
        "patient/profile.html",
        title="My details",
        user=user,
        status_code=422 if error else 200,
        values=values,
        error=error,
        errors={field: error} if field else {},
    )


@router.get("/app/profile")
def profile_form(request: Request) -> Response:
    user = require(request, "patient")
    try:
        p = profiles.get_profile(runtime_of(request), user.actor, user.user_id)
    except NotFoundError:
        return _page(
            request,
            {
                "units": "metric",
                "time_zone": "UTC",
                "session_time": DEFAULT_SESSION_TIME.strftime("%H:%M"),
            },
        )
    return _page(
        request,
        {
            "units": p.units,
            "time_zone": p.time_zone,
            "session_time": session_time_of(p.data).strftime("%H:%M"),
            "birth_year": str(p.birth_year or ""),
            "height": shown_length(p.height_m, p.units),
            "weight": shown_weight(p.weight_kg, p.units),
            "sensor_height": shown_length(p.sensor_height_m, p.units),
        },
    )


@router.post("/app/profile")
def profile_save(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=200)],
    units: Annotated[str, Form(max_length=10)] = "metric",
    time_zone: Annotated[str, Form(max_length=64)] = "",
    session_time: Annotated[str, Form(max_length=10)] = "",
    birth_year: Annotated[str, Form(max_length=10)] = "",
    height: Annotated[str, Form(max_length=20)] = "",
    weight: Annotated[str, Form(max_length=20)] = "",
    sensor_height: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    user = require(request, "patient")
    check_csrf(request, user, csrf_token)
    values = {
        "units": units,
        "time_zone": time_zone,
        "session_time": session_time,
        "birth_year": birth_year,
        "height": height,
        "weight": weight,
        "sensor_height": sensor_height,
    }
    length_m = M_PER_INCH if units == "imperial" else 0.01
    mass_kg = KG_PER_LB if units == "imperial" else 1.0
    if not time_zone.strip():
        return _page(request, values, error="Please fill this in.", field="time_zone")
    try:
        year = _number(birth_year, "birth_year")
        if year is not None and not year.is_integer():
            raise InputError("Enter a whole year, like 1975.", field="birth_year")
        height_v = _number(height, "height")
        weight_v = _number(weight, "weight")
        sensor_v = _number(sensor_height, "sensor_height")
        data = validate(
            PatientProfileIn,
            {
                "units": units,
                "time_zone": time_zone.strip(),
                "session_time": session_time.strip() or DEFAULT_SESSION_TIME.isoformat(),
                "birth_year": int(year) if year is not None else None,
                "height_m": round(height_v * length_m, 3) if height_v is not None else None,
                "weight_kg": round(weight_v * mass_kg, 2) if weight_v is not None else None,
                "sensor_height_m": round(sensor_v * length_m, 3) if sensor_v is not None else None,
            },
        )
        profiles.put_profile(runtime_of(request), user.actor, user.user_id, data)
    except InputError as error:
        field = (error.field or "").removesuffix("_m").removesuffix("_kg") or None
        problem = error.problem
        if field in MEASURES and error.field == MEASURES[field]:
            problem = range_problem(field, "imperial" if units == "imperial" else "metric")
        return _page(request, values, error=problem, field=field)
    return RedirectResponse("/app/profile?done=profile", status_code=303)
