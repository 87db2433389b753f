"""Input models of the use cases: what a caller may send, validated before anything is stored.

Every model forbids unknown keys and bounds every number and string, so bad input is refused
with the field and the problem (the API turns these into 422 responses). Clinical ranges:
pain is NPRS 0-10 and effort Borg CR10 0-10 (evidence.md §4; ``retrowalk.domain.session_log``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from retrowalk.domain.instruments import INSTRUMENT_IDS
from retrowalk.domain.json_reader import FIRST_DATE, LAST_DATE
from retrowalk.domain.prescription import MAX_FORWARD_SPEED_KMH, MIN_FORWARD_SPEED_KMH
from retrowalk.domain.session_log import SessionEvent
from retrowalk.errors import InputError
from retrowalk.schemas.outcomes import ItemValue

Pain = Annotated[int, Field(ge=0, le=10, description="NPRS 0-10")]

FIRST_YEAR, LAST_YEAR = FIRST_DATE.year, LAST_DATE.year
"""Dates and times outside these years are typing mistakes (our bound, not a clinical one; the
same as for plans, ``domain.json_reader``)."""


def _in_sensible_years(value: dt.datetime) -> dt.datetime:
    try:
        year = value.astimezone(dt.UTC).year
    except OverflowError:  # e.g. 0001-01-01T00:00+05:00 lies before datetime.min in UTC
        year = value.year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"must be between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_in_sensible_years)]
"""A date and time with its UTC offset, between :data:`FIRST_YEAR` and :data:`LAST_YEAR`."""

MAX_SESSION_DURATION = dt.timedelta(hours=6)
"""The longest session a log may describe (a typing mistake beyond it): our choice."""

MINUTES_TOLERANCE = 1.0
"""Logged walking minutes may exceed the logged start-to-end time by this much (the guided
timer rounds each direction to 0.1 min): our choice."""
Minutes = Annotated[float, Field(ge=0, le=240, allow_inf_nan=False)]


def _reject_nul(value: Any, path: str = "") -> None:
    """Refuse NUL characters anywhere in ``value``; ``path`` is where inside the field (the
    field itself is named by the validation error's location)."""
    if isinstance(value, str):
        if "\x00" in value:
            where = f"{path}: " if path else ""
            raise ValueError(f"{where}must not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key, path)
            _reject_nul(item, f"{path}.{key}".lstrip("."))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_nul(item, f"{path}.{index}".lstrip("."))


class Input(BaseModel):
    """Base of every input: unknown keys refused, no NUL characters anywhere (databases refuse
    them in text), surrounding whitespace stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        _reject_nul(value)
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # Pydantic's lax mode reads JSON true/false as 1/0: a pain score of `true` would be
        # stored as 1. Only fields declared as bool take booleans.
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if not _allows_bool(annotation):
                raise ValueError("must not be true or false")
        return value


def _allows_bool(annotation: Any) -> bool:
    if annotation is bool or annotation is Any:
        return True
    if get_origin(annotation) is Literal:
        return any(isinstance(option, bool) for option in get_args(annotation))
    return any(_allows_bool(arg) for arg in get_args(annotation) if arg is not type(None))


FUTURE_TOLERANCE = dt.timedelta(hours=1)
"""How far past the server's clock a session or assessment time may be (clock skew): our choice."""


def refuse_future(moment: dt.datetime | None, now: dt.datetime, field: str) -> None:
    """A session or assessment cannot be reported before it happened: an ``InputError`` naming
    ``field`` if ``moment`` is later than ``now`` (plus :data:`FUTURE_TOLERANCE`)."""
    if moment is not None and moment > now + FUTURE_TOLERANCE:
        raise InputError("must not be in the future", field=field)


class SignupIn(Input):
    email: Annotated[str, Field(min_length=3, max_length=254)]
    password: Annotated[str, Field(min_length=10, max_length=200)]
    display_name: Annotated[str, Field(min_length=1, max_length=120)]
    invitation_code: Annotated[str | None, Field(max_length=20)] = None


class LoginIn(Input):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class UserCreateIn(SignupIn):
    role: Literal["patient", "clinician", "admin"]
    invitation_code: None = None


class PasswordChangeIn(Input):
    """The signed-in user's own password change (the length rule is the service's, so its
    message names ``new_password``)."""

    current_password: Annotated[str, Field(min_length=1, max_length=200)]
    new_password: Annotated[str, Field(max_length=200)]


class PasswordSetIn(Input):
    """An admin gives an account a new password (a forgotten one)."""

    new_password: Annotated[str, Field(max_length=200)]


class UserUpdateIn(Input):
    is_active: StrictBool  # JSON true or false only ("yes" or 1 are not read as true)


class InvitationIn(Input):
    note: Annotated[str, Field(max_length=200)] = ""


class AcceptInvitationIn(Input):
    code: Annotated[str, Field(min_length=1, max_length=20)]


_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


def is_time_zone_name(name: str) -> bool:
    """An IANA time zone name (``Europe/Berlin``, ``UTC``): not the tz database's
    machine-specific entries (``localtime``, ``Factory``, ``posixrules``) or its ``posix/`` and
    ``right/`` copies, which a calendar app would not know."""
    if name in _NOT_ZONES or name.startswith(("posix/", "right/")):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


DEFAULT_SESSION_TIME = dt.time(18, 0)
"""The calendar's session time until the person chooses one (our choice, not a clinical one)."""


class PatientProfileIn(Input):
    """Personal facts: used to convert units, place a phone sensor and show local dates."""

    birth_year: Annotated[int | None, Field(ge=1900, le=2100)] = None
    height_m: Annotated[float | None, Field(ge=0.5, le=2.5, allow_inf_nan=False)] = None
    weight_kg: Annotated[float | None, Field(ge=20, le=400, allow_inf_nan=False)] = None
    sensor_height_m: Annotated[float | None, Field(ge=0.1, le=2.0, allow_inf_nan=False)] = None
    units: Literal["metric", "imperial"] = "metric"
    time_zone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    session_time: dt.time = DEFAULT_SESSION_TIME
    """When the person usually walks (local time, ``HH:MM``): their calendar feed places each
    planned session there. Not a clinical number; the default is an evening slot."""

    @field_validator("session_time")
    @classmethod
    def _local_clock_time(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError("give a local clock time without an offset, e.g. 07:30")
        return value.replace(second=0, microsecond=0)

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        if not is_time_zone_name(value):
            raise ValueError("not a known IANA time zone (e.g. Europe/Berlin)")
        return value

    @model_validator(mode="after")
    def _sensor_below_height(self) -> PatientProfileIn:
        if (
            self.height_m is not None
            and self.sensor_height_m is not None
            and self.sensor_height_m >= self.height_m
        ):
            raise ValueError("sensor_height_m must be below height_m")
        return self


class PrescriptionIn(Input):
    """The person's choices for a new plan; the screening answers come from their last screening.

    Bounds are checked again by the clinical core (``retrowalk.domain.prescription.Profile``).
    """

    sessions_per_week: Annotated[int, Field(ge=3, le=4)]
    setting: Literal["treadmill", "overground"]
    goal_backward_min: Annotated[int, Field(ge=1, le=60)]
    start_date: dt.date
    current_backward_min: Annotated[int | None, Field(ge=0, le=60)] = None
    forward_speed_kmh: Annotated[
        float | None,
        Field(ge=MIN_FORWARD_SPEED_KMH, le=MAX_FORWARD_SPEED_KMH, allow_inf_nan=False),
    ] = None
    template: Annotated[str | None, Field(max_length=120)] = None
    weeks: Annotated[int | None, Field(ge=1, le=52)] = None

    @field_validator("start_date")
    @classmethod
    def _sensible_start(cls, value: dt.date) -> dt.date:
        if not FIRST_DATE <= value <= LAST_DATE:
            raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
        return value


class SessionLogIn(Input):
    """One session as the person reports it (the guided timer fills most of it in)."""

    planned_session_number: Annotated[int | None, Field(ge=1, le=10_000)] = None
    started_at: Moment
    ended_at: Moment | None = None
    backward_min: Annotated[float, Field(ge=0, le=120, allow_inf_nan=False)]
    forward_min: Minutes = 0.0
    setting: Literal["treadmill", "overground"] | None = None
    speed_m_s: Annotated[float | None, Field(gt=0, le=3, allow_inf_nan=False)] = None
    incline_percent: Annotated[float | None, Field(ge=-10, le=30, allow_inf_nan=False)] = None
    pain_before: Pain
    pain_max: Pain
    pain_after: Pain
    pain_next_morning: Pain | None = None
    rpe: Annotated[float | None, Field(ge=0, le=10, allow_inf_nan=False)] = None
    heart_rate_bpm: Annotated[int | None, Field(ge=25, le=250)] = None
    steps: Annotated[int | None, Field(ge=0, le=100_000)] = None
    notes: Annotated[str, Field(max_length=2000)] = ""
    safety_events: Annotated[list[SessionEvent], Field(max_length=4)] = []

    @field_validator("safety_events")
    @classmethod
    def _unique_events(cls, value: list[SessionEvent]) -> list[SessionEvent]:
        if len(set(value)) != len(value):
            raise ValueError("each event may be listed once")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SessionLogIn:
        if self.pain_max < max(self.pain_before, self.pain_after):
            raise ValueError(
                f"pain_max ({self.pain_max}) is the highest pain of the session: it cannot be "
                f"lower than pain_before ({self.pain_before}) or pain_after ({self.pain_after})"
            )
        if self.ended_at is not None:
            if self.ended_at < self.started_at:
                raise ValueError("ended_at must not be before started_at")
            if self.ended_at - self.started_at > MAX_SESSION_DURATION:
                raise ValueError("a session cannot last more than 6 hours")
            lasted_min = (self.ended_at - self.started_at).total_seconds() / 60
            walked_min = self.backward_min + self.forward_min
            if walked_min > lasted_min + MINUTES_TOLERANCE:
                raise ValueError(
                    f"backward_min + forward_min ({walked_min:g} min) is more than the time "
                    f"from started_at to ended_at ({lasted_min:.1f} min)"
                )
        return self


class NextMorningPainIn(Input):
    pain_next_morning: Pain


class OutcomeIn(Input):
    """A completed questionnaire or test: item values in the instrument's published order."""

    instrument: Literal[INSTRUMENT_IDS]  # type: ignore[valid-type]
    items: Annotated[list[ItemValue], Field(min_length=1, max_length=100)]
    assessed_at: Moment | None = None


class ProgramStatusIn(Input):
    status: Literal["active", "paused", "completed"]
    reason: Annotated[str, Field(max_length=500)] = ""


class PlanAdjustIn(Input):
    """A clinician's edited plan (the JSON written by ``Plan.to_json``) and why."""

    plan: dict[str, Any]
    note: Annotated[str, Field(min_length=1, max_length=1000)]
