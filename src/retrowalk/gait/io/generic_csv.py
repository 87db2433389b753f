"""Any CSV, given which columns hold time, acceleration and rotation rate and in which units."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, cast

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from retrowalk.errors import InputError
from retrowalk.gait.io.table import read_table
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2, Recording
from retrowalk.gait.resample import build_recording
from retrowalk.schemas.parsing import describe_validation_error, parse_json_text

TimeUnit = Literal["s", "ms", "us", "ns", "samples"]
AccUnit = Literal["m/s2", "g"]
GyrUnit = Literal["rad/s", "deg/s"]

_TIME_FACTOR: dict[str, float] = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_ACC_FACTOR: dict[str, float] = {"m/s2": 1.0, "g": STANDARD_GRAVITY_M_S2}
_GYR_FACTOR: dict[str, float] = {"rad/s": 1.0, "deg/s": np.pi / 180.0}


@dataclass(frozen=True)
class ColumnMapping:
    """Which CSV columns hold what, in which declared unit.

    ``time_unit="samples"`` means the time column counts samples; ``sampling_rate_hz`` is then
    required. ``gyr`` may be omitted (accelerometer-only recordings).
    """

    time: str
    acc: tuple[str, str, str]
    time_unit: TimeUnit = "s"
    acc_unit: AccUnit = "m/s2"
    gyr: tuple[str, str, str] | None = None
    gyr_unit: GyrUnit = "rad/s"
    sampling_rate_hz: float | None = None

    def __post_init__(self) -> None:
        if self.time_unit not in (*_TIME_FACTOR, "samples"):
            raise InputError(f"unknown time unit '{self.time_unit}'", field="time_unit")
        if self.acc_unit not in _ACC_FACTOR:
            raise InputError(f"unknown acceleration unit '{self.acc_unit}'", field="acc_unit")
        if self.gyr_unit not in _GYR_FACTOR:
            raise InputError(f"unknown rotation-rate unit '{self.gyr_unit}'", field="gyr_unit")
        if self.sampling_rate_hz is not None and not (
            math.isfinite(self.sampling_rate_hz) and self.sampling_rate_hz > 0
        ):
            raise InputError("must be a positive number of Hz", field="sampling_rate_hz")
        if self.time_unit == "samples" and not self.sampling_rate_hz:
            raise InputError("time_unit 'samples' needs sampling_rate_hz", field="sampling_rate_hz")

    @classmethod
    def from_json_file(cls, path: Path) -> ColumnMapping:
        """Load a mapping such as ``{"time": "t", "acc": ["ax","ay","az"], "acc_unit": "g"}``."""
        try:
            raw = parse_json_text(path.read_text(encoding="utf-8-sig"), source=str(path))
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise InputError(
                f"cannot read the column mapping: {reason or error}", source=str(path)
            ) from None
        try:
            mapping = _MappingFile.model_validate(raw)
        except ValidationError as error:
            field, problem = describe_validation_error(error)
            raise InputError(problem, source=str(path), field=field) from None
        return cls(
            time=mapping.time,
            acc=mapping.acc,
            time_unit=cast(TimeUnit, mapping.time_unit),
            acc_unit=cast(AccUnit, mapping.acc_unit),
            gyr=mapping.gyr,
            gyr_unit=cast(GyrUnit, mapping.gyr_unit),
            sampling_rate_hz=mapping.sampling_rate_hz,
        )


class _MappingFile(BaseModel):
    """The JSON of a column mapping, checked for types (units are checked by ColumnMapping)."""

    model_config = ConfigDict(extra="forbid")

    time: str
    acc: tuple[str, str, str]
    time_unit: str = "s"
    acc_unit: str = "m/s2"
    gyr: tuple[str, str, str] | None = None
    gyr_unit: str = "rad/s"
    sampling_rate_hz: Annotated[float | None, Field(gt=0, le=100_000, allow_inf_nan=False)] = None


def read_generic_csv(path: Path, mapping: ColumnMapping) -> Recording:
    table = read_table(path)
    table.require(mapping.time, *mapping.acc, *(mapping.gyr or ()))
    raw_time = table.column(mapping.time)
    if mapping.time_unit == "samples":
        assert mapping.sampling_rate_hz is not None
        time_s = raw_time / mapping.sampling_rate_hz
    else:
        time_s = raw_time * _TIME_FACTOR[mapping.time_unit]
    acc = np.column_stack([table.column(c) for c in mapping.acc]) * _ACC_FACTOR[mapping.acc_unit]
    gyr = None
    if mapping.gyr is not None:
        gyr = (
            np.column_stack([table.column(c) for c in mapping.gyr]) * _GYR_FACTOR[mapping.gyr_unit]
        )
    return build_recording(
        time_s, acc, gyr, source=table.source, first_data_line=table.first_data_line
    )
