"""Study protocols a plan's dose can follow (evidence.md §1.1 and §6, study-derived progressions).

Each template is the protocol of one study in the evidence base, under the study's id; the
values here are checked against the evidence file by ``tests/evidence/test_protocols_agree.py``.
All are [C-abs]: confirmed from abstracts only.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrowalk.domain.plan import Setting


@dataclass(frozen=True)
class ProtocolTemplate:
    """A study's backward-walking dose: minutes per session (low..high), frequency, weeks."""

    id: str
    citation: str
    population: str
    backward_min_low: int
    backward_min_high: int
    sessions_per_week: int
    weeks: int
    setting: Setting | None
    speed_rule: str
    combined_with: str

    @property
    def dose_text(self) -> str:
        minutes = (
            f"{self.backward_min_low} min"
            if self.backward_min_low == self.backward_min_high
            else f"{self.backward_min_low}-{self.backward_min_high} min"
        )
        mode = self.setting or "mode not reported"
        return (
            f"{minutes}, {self.sessions_per_week}x/week for {self.weeks} weeks ({mode}; "
            f"speed: {self.speed_rule})"
        )


TEMPLATES: dict[str, ProtocolTemplate] = {
    template.id: template
    for template in (
        ProtocolTemplate(
            id="ansari2020",
            citation="Ansari S, Raza S, Bhati P. Sport Sci Health 2020;16(2):307-316",
            population="collegiate athletes with chronic mechanical low back pain (n=30)",
            backward_min_low=15,
            backward_min_high=15,
            sessions_per_week=3,
            weeks=4,
            setting="treadmill",
            speed_rule="self-paced",
            combined_with="conventional low back pain exercises",
        ),
        ProtocolTemplate(
            id="whitley2011",
            citation="Whitley CR, Dufek JS. Int J Exerc Sci 2011;4(3)",
            population="healthy women (n=10), no back pain",
            backward_min_low=10,
            backward_min_high=15,
            sessions_per_week=4,
            weeks=4,
            setting="treadmill",
            speed_rule="self-selected",
            combined_with="nothing else",
        ),
        ProtocolTemplate(
            id="chitkara2725",
            citation="Chitkara JMRH pId 2725, backward walking for postural low back pain",
            population="adults aged 30-50 with postural low back pain (n=34)",
            backward_min_low=10,
            backward_min_high=30,
            sessions_per_week=3,
            weeks=6,
            setting="overground",
            speed_rule="not reported",
            combined_with="nothing else",
        ),
        ProtocolTemplate(
            id="ahmad2023",
            citation="Ahmad A, Aldabbas M, Tanwar T, et al. Physiother Q 2023;31(3):86-93",
            population="adults with chronic low back pain (n=29 completed, about 25 years old)",
            backward_min_low=15,
            backward_min_high=15,
            sessions_per_week=3,
            weeks=3,
            setting=None,
            speed_rule="comfortable walking speed",
            combined_with="conventional physiotherapy",
        ),
        ProtocolTemplate(
            id="dufek2011",
            citation="Dufek JS, House AJ, Mangus BC, et al. J Exerc Physiol Online 2011;14(2)",
            population="NCAA Division I athletes with low back pain (n=5)",
            backward_min_low=10,
            backward_min_high=15,
            sessions_per_week=3,
            weeks=3,
            setting=None,
            speed_rule="not reported",
            combined_with="nothing else reported",
        ),
    )
}


def default_template(setting: Setting, sessions_per_week: int) -> ProtocolTemplate:
    """The template matching the profile best: 4/week -> Whitley 2011; 3/week treadmill ->
    Ansari S 2020; 3/week overground -> Chitkara (the only overground LBP protocol)."""
    if sessions_per_week == 4:
        return TEMPLATES["whitley2011"]
    return TEMPLATES["ansari2020"] if setting == "treadmill" else TEMPLATES["chitkara2725"]
