"""Citations used by the instrument registry, each with its status in ``shared/evidence.md``.

Kept in one place so a citation is written once and every instrument, threshold and code that
rests on it points at the same :class:`Source`.
"""

from __future__ import annotations

from retrowalk.domain.instruments.model import Source

OSTELO_2008 = Source(
    "Ostelo RWJG et al. Spine 2008;33(1):90-94, doi:10.1097/BRS.0b013e31815e3a10 "
    "(consensus minimal important change for LBP instruments)",
    "C-abs",
    "4.1, 4.2, 4.3",
)
CHILDS_2005 = Source(
    "Childs JD et al. Spine 2005;30(11):1331-1334, PMID 15928561 (NPRS in LBP: MDC 2, "
    "MCID 2.2 at 1 week, 1.5 at 4 weeks)",
    "C-abs",
    "4.1",
)
NPRS_LOINC = Source("healthassure.in; wiki.ihe.net (not loinc.org directly)", "C-2nd", "4.1, 4.8")
FAIRBANK_2000 = Source(
    "Fairbank JCT, Pynsent PB. The Oswestry Disability Index. Spine 2000;25(22):2940-2952, "
    "PMID 11074683; © Jeremy Fairbank 1980, licensing via Mapi/eProvide",
    "C",
    "4.2",
)
ODI_SCORING = Source(
    "idcafe.net; asir-journal table; LOINC 97909-6 term description (percent score, "
    "denominator reduced by 5 per unanswered section; 16/50 = 32 %, 16/45 = 35.5 %)",
    "C",
    "4.2",
)
ODI_BANDS = Source(
    "asir-journal.biomedcentral.com 1750-1164-7-12 Table 1; idcafe.net",
    "C",
    "4.2",
)
ODI_SECTIONS = Source(
    "biologyinsights.com (v2.1a section list; exact v2.1a wording not confirmed)",
    "C-2nd",
    "4.2",
)
ODI_MISSING_RULE = Source(
    "Our choice: at most 1 unanswered section. Fairbank's scoring instructions give a worked "
    "example only for one missed or not-applicable section (16/45); the AO Clinical "
    "Investigation and Documentation ODI algorithm for v1.0/2.0/2.1a (Blauth J, Daigl M, "
    "2012; fmwww.bc.edu/RePEc/bocode/o/odi.html) also allows 1 missing section and returns no "
    "score for more. evidence.md lists the maximum as not confirmed.",
    "ours",
    "4.2, 8",
)
ODI_LOINC = Source("loinc.org/97909-6; loinc.org/97908-8/panel", "C", "4.2, 4.8")
ODI_MDC = Source("modified ODI form copies (MDC 90 % about 10 percentage points)", "C-2nd", "4.2")
ODI_MID_JOSPT = Source(
    "JOSPT 2014;44(8):560-564, doi:10.2519/jospt.2014.5248 (MID -12)", "C-abs", "4.2"
)
ODI_GERMAN = Source(
    "German ODI 2.1 responsiveness study, PMC3454560 (>= 18 % reduction, about 8 points, "
    "for a good surgical outcome)",
    "C-abs",
    "4.2",
)
ROLAND_1983 = Source(
    "Roland M, Morris R. Spine 1983;8(2):141-144 (24 items from the Sickness Impact Profile)",
    "C",
    "4.3",
)
RMDQ_SCORING = Source(
    "scientificspine.com (score = number of items ticked, 0-24; not-applicable counts as no)",
    "C-2nd",
    "4.3",
)
RMDQ_MDC = Source(
    "'Defining the minimum level of detectable change for the Roland-Morris questionnaire' "
    "(usually cited as Stratford PW et al. Phys Ther 1996): MDC 90 % 4-5 points",
    "C-abs",
    "4.3",
)
HILL_2008 = Source(
    "Hill JC, Dunn KM, Lewis M, et al. Arthritis Rheum 2008;59(5):632-; © Keele University "
    "2007; scoring per physio-pedia.com, wikimsk.org, loinc.org/91350-9, physiotutors.com",
    "C",
    "5.2",
)
START_BACK_LOINC = Source("loinc.org/91350-9", "C", "4.8, 5.2")
STRATFORD_1995 = Source(
    "Stratford P et al. Physiother Can 1995;47:258-263; precisionphysio.com; rehabmeasures.org",
    "C",
    "4.4",
)
PSFS_MDC = Source("precisionphysio.com (MDC 90 %: 2 points average, 3 single)", "C-2nd", "4.4")
PSFS_MID = Source(
    "JOSPT 2014;44(8):560-564 (n=1,708): MID 1.3 small, 2.3 medium, 2.7 large", "C-abs", "4.4"
)
STEADI_STAY_INDEPENDENT = Source(
    "CDC STEADI Stay Independent brochure via loinc.org/97874-2 (panel), total 97885-8; "
    "networkhealth.com; ottawacitizen.com",
    "C",
    "4.6, 4.8",
)
STEADI_TUG = Source(
    "CDC STEADI TUG form (online.documentine.com copy); ahpts.com: >= 12 s at risk of falling",
    "C-2nd",
    "4.6",
)
BACKWARD_WALK_3M = Source(
    "Polo-Ferrero L et al. J Funct Morphol Kinesiol 2025;10(2):154 (community, n=483: cut-off "
    "5.5 s, sensitivity 59.5 %, specificity 68.6 %); Kapan A et al. JAMDA 2025, "
    "doi:10.1016/j.jamda.2025.105580 (nursing homes: >= 9.31 s past falls, >= 8.15 s future)",
    "C-abs",
    "4.6",
)
SIT_AND_REACH = Source(
    "topendsports.com (protocol, zero at the feet; sex-specific experience-based norms); "
    "Mayorga-Vega D et al. J Sports Sci Med 2014;13:1-14 (validity)",
    "C-2nd",
    "4.5",
)
MODIFIED_SCHOBER = Source(
    "topendsports.com/testing/tests/schober.htm; physiohub.io (15 cm span; increase < 5 cm = "
    "reduced lumbar flexion)",
    "C-2nd",
    "4.5",
)
SPRINGER_2007 = Source(
    "Springer BA et al. J Geriatr Phys Ther 2007;30(1):8-15 (n=549; ICC 0.994 eyes open, 0.998 "
    "eyes closed; age-band norms not confirmed)",
    "C-abs",
    "4.6",
)
BORG_1982 = Source(
    "Borg G. Med Sci Sports Exerc 1982;14(5):377-381; borgperception.se; anchors via "
    "windrunning blog list, scienceinsights.org",
    "C-2nd",
    "4.7",
)
RPE_ANCHORS = Source(
    "borgperception.se; RPE wiki copy (6 = no exertion, 20 = maximal)", "C-2nd", "4.7"
)
OUR_PLAUSIBILITY_LIMIT = Source(
    "Our choice: an upper plausibility limit that rejects typing errors; not a clinical threshold",
    "ours",
)
