"""A motion recording as the gait pipeline sees it: uniform time base, SI units, a quality report.

Every reader (``retrowalk.gait.io``) ends in :func:`retrowalk.gait.resample.build_recording`, which
validates the raw samples and produces a :class:`Recording`. The pipeline never sees raw files.
Units are part of the names: ``acc_m_s2`` (accelerometer incl. gravity, m/s²), ``gyr_rad_s``
(gyroscope, rad/s), ``time_s`` (seconds from the first sample of the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

STANDARD_GRAVITY_M_S2 = 9.80665
"""Standard gravity (CGPM 1901), used to convert accelerations given in g."""


@dataclass(frozen=True)
class Gap:
    """A stretch without samples longer than the gap threshold (filled by interpolation)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class QualityReport:
    """What the loader found and changed: gaps, clipping, resampling, dropped samples."""

    gaps: tuple[Gap, ...] = ()
    clipped_fraction: float = 0.0
    """Fraction of samples where any accelerometer axis sits at its plateau (sensor range)."""
    resampled_from_hz: float | None = None
    """The (median) rate of the raw samples when the recording was resampled, else ``None``."""
    dropped_samples: int = 0
    """Samples removed because a value was NaN or a timestamp repeated/went backwards."""
    notes: tuple[str, ...] = ()
    dropped_times_s: NDArray[np.float64] = field(
        default_factory=lambda: np.zeros(0), compare=False, repr=False
    )
    """Where each dropped sample was (s from the recording's first sample; a sample without a
    time at the time before it), so chunked analysis counts each once (not in :meth:`as_dict`)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "gaps": [{"start_s": g.start_s, "end_s": g.end_s} for g in self.gaps],
            "clipped_fraction": self.clipped_fraction,
            "resampled_from_hz": self.resampled_from_hz,
            "dropped_samples": self.dropped_samples,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, eq=False)
class Recording:
    """Uniformly sampled accelerometer (and optionally gyroscope) data of one sensor."""

    time_s: NDArray[np.float64]
    acc_m_s2: NDArray[np.float64]
    gyr_rad_s: NDArray[np.float64] | None
    sampling_rate_hz: float
    source: str
    quality: QualityReport = field(default_factory=QualityReport)

    def __post_init__(self) -> None:
        n = self.time_s.shape[0]
        if self.acc_m_s2.shape != (n, 3):
            raise ValueError(f"acc_m_s2 must have shape ({n}, 3), got {self.acc_m_s2.shape}")
        if self.gyr_rad_s is not None and self.gyr_rad_s.shape != (n, 3):
            raise ValueError(f"gyr_rad_s must have shape ({n}, 3), got {self.gyr_rad_s.shape}")

    @property
    def n_samples(self) -> int:
        return int(self.time_s.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sampling_rate_hz

    @property
    def start_s(self) -> float:
        return float(self.time_s[0]) if self.n_samples else 0.0
