"""retrowalk: retro-walking (backward walking) as therapy for chronic low back pain.

The package is organised by part: ``domain`` (pure clinical rules and scores), ``evidence``
(the evidence base as data), ``gait`` (signal analysis of IMU recordings), ``storage``,
``services`` (use cases), ``web`` and ``cli`` (adapters). retrowalk informs and supports; it
does not diagnose.
"""

from retrowalk.errors import InputError, RetrowalkError

__version__ = "0.1.0"

__all__ = ["InputError", "RetrowalkError", "__version__"]
