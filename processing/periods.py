"""How long an activity's information is kept: read from the retention schedule, never typed twice.

An activity names a rule of ``retention.schedule`` (``RULES``, or ``EXTERNAL_RULES`` for the
financial records deleted by their own app); the period and what starts it come from there, so a
change of the schedule (a setting's period, a rule's note) reaches the record of processing and the
privacy notice at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from retention.schedule import EXTERNAL_RULES, RULES


@dataclass(frozen=True)
class Period:
    key: str
    records: str  # what the rule deletes, as the schedule names it
    period: str  # "2 years after the engagement closes (policy 000). …"
    known: bool = True


def retention_choices() -> list[tuple[str, str]]:
    """Every rule an activity may name: the schedule's, then the external ones."""
    choices = [(rule.key, rule.title) for rule in RULES]
    choices += [(key, what) for key, (_root, what, _period) in EXTERNAL_RULES.items()]
    return choices


def period_of(key: str) -> Period:
    for rule in RULES:
        if rule.key == key:
            return Period(key=key, records=rule.title, period=f"{rule.period()} {rule.note}".strip())
    if key in EXTERNAL_RULES:
        _root, what, period = EXTERNAL_RULES[key]
        return Period(key=key, records=what, period=period)
    # A rule since taken out of the schedule: said plainly, so the administrator chooses another.
    return Period(
        key=key,
        records="A rule no longer in the retention schedule",
        period="Not known: choose one of the schedule's rules for this activity.",
        known=False,
    )
