"""A demo account with about a year of realistic-looking diary data.

Used by ``manage.py make_demo`` (screenshots, manual testing) and reusable by tests
and benchmarks. Every write goes through the service functions, so the demo data
obeys the same rules as data a patient enters.

The data is invented. It is shaped like a real diary (day-to-day noise that carries
over from one day to the next, a weekly rhythm, crashes, gaps, an LDN titration with
side effects) but it is not a claim about what LDN does: some symptoms drift down
after the start and others do not, because real diaries look like that too.

Everything random comes from one ``random.Random(seed)``, so the same seed, length
and end date give the same diary every time.
"""

import datetime
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from accounts.services import user_sign_up, user_update_settings

from .builtin_symptoms import BUILTIN_SYMPTOMS
from .models import Crash, DoseChange, Medication, Symptom, TrackedSymptom
from .services import (
    course_create,
    crash_create,
    dose_change_add,
    entry_upsert,
    medication_create,
    missed_dose_add,
    side_effect_add,
    symptom_create_own,
    symptom_track,
    symptoms_load_builtin,
)

DEMO_EMAIL = "demo@example.org"
DEMO_PASSWORD = "demo-diary-2026"  # noqa: S105 (a published demo password, local only)
DEMO_TIME_ZONE = "Europe/London"
DEMO_DISPLAY_NAME = "Demo patient"
MIN_DAYS = 90

# demo_user_create() deletes any account with the email it is given, so it only
# accepts addresses that can never belong to a real person (RFC 2606).
RESERVED_DOMAINS = ("example.org", "example.com", "example.net")
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")

ONE_DAY = datetime.timedelta(days=1)
BEDTIME = DoseChange.TimeOfDay.BEDTIME


def is_reserved_email(email: str) -> bool:
    domain = email.rpartition("@")[2].strip().lower()
    return domain in RESERVED_DOMAINS or domain.endswith(
        RESERVED_SUFFIXES + tuple("." + d for d in RESERVED_DOMAINS)
    )


# ------------------------------------------------------------------------ symptoms


@dataclass(frozen=True)
class SymptomProfile:
    """How one symptom behaves in the demo diary (0-10 scale)."""

    baseline: float
    ldn_change: float = 0.0  # reached about 8 weeks after the LDN start
    crash_weight: float = 1.0  # share of the crash bump this symptom feels
    unanswered_rate: float = 0.03


PROFILES = {
    "fatigue": SymptomProfile(6.2, ldn_change=-1.0, crash_weight=1.0),
    "post-exertional-malaise": SymptomProfile(5.0, crash_weight=1.1),
    "unrefreshing-sleep": SymptomProfile(6.0, crash_weight=0.6),
    "brain-fog": SymptomProfile(5.3, ldn_change=-1.0, crash_weight=1.0),
    "muscle-pain": SymptomProfile(4.4, ldn_change=-0.9, crash_weight=0.9),
    "headache": SymptomProfile(3.0, crash_weight=0.7, unanswered_rate=0.05),
    "joint-pain": SymptomProfile(3.3, crash_weight=0.7, unanswered_rate=0.05),
}
OWN_SYMPTOM = ("Tinnitus", "Ringing in the ears, worse when tired.")
OWN_PROFILE = SymptomProfile(2.3, crash_weight=0.3, unanswered_rate=0.10)
OTHER_PROFILE = SymptomProfile(3.5, crash_weight=0.7)


def _track_symptoms(user: User) -> list[tuple[int, str, SymptomProfile]]:
    """The defaults from sign-up, joint pain, and one symptom of the user's own."""
    joint_pain = Symptom.objects.builtin().get(slug="joint-pain")
    symptom_track(user=user, symptom=joint_pain)
    name, description = OWN_SYMPTOM
    symptom_create_own(user=user, name=name, description=description)
    tracked = TrackedSymptom.objects.for_user(user).active().in_order()
    result = []
    for item in tracked:
        symptom = item.symptom
        if symptom.owner_id is not None:
            profile = OWN_PROFILE
        else:
            profile = PROFILES.get(symptom.slug, OTHER_PROFILE)
        result.append((symptom.pk, symptom.slug or symptom.name, profile))
    return result


def _ensure_catalogue() -> None:
    """The built-in catalogue comes with a migration; load it if it went missing."""
    wanted = {slug for slug, _n, _d, default in BUILTIN_SYMPTOMS if default}
    wanted.add("joint-pain")
    present = set(
        Symptom.objects.builtin().filter(slug__in=wanted).values_list("slug", flat=True)
    )
    if present != wanted:
        symptoms_load_builtin()


# ------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class CrashPlan:
    start_date: datetime.date
    end_date: datetime.date | None
    severity: int
    trigger: str
    notes: str


@dataclass(frozen=True)
class DoseStep:
    date: datetime.date
    dose_mg: Decimal | None
    reason: str
    note: str = ""


@dataclass(frozen=True)
class EffectPlan:
    date: datetime.date
    kind: str
    severity: int
    note: str = ""


@dataclass
class Plan:
    first: datetime.date
    today: datetime.date
    ldn_start: datetime.date
    doses: list[DoseStep]
    missed: list[tuple[datetime.date, str]]
    effects: list[EffectPlan]
    crashes: list[CrashPlan]
    bad_sleep: set[datetime.date]
    stomach_bug: set[datetime.date]
    notes: dict[datetime.date, str]
    forced_gap: set[datetime.date]


def _plan(rng: random.Random, *, today: datetime.date, days: int) -> Plan:
    first = today - datetime.timedelta(days=days - 1)
    # LDN started about 150 days ago in a year's diary; shorter diaries scale it.
    ldn_offset = 150 if days >= 365 else round(days * 150 / 365)
    ldn_start = today - datetime.timedelta(days=ldn_offset)
    pre_span = (ldn_start - first).days

    def on(day: int) -> datetime.date:
        return ldn_start + datetime.timedelta(days=day)

    def jitter(day: int) -> datetime.date:
        return on(day + rng.choice((-1, 0, 0, 1)))

    # Titration: +0.5 mg about every two weeks; one step back after vivid dreams
    # and insomnia at 2.5 mg; a five-day pause for a stomach bug, then a restart.
    doses = [DoseStep(on(0), Decimal("0.5"), DoseChange.Reason.START)]
    for day, dose in ((14, "1.0"), (28, "1.5"), (42, "2.0"), (56, "2.5")):
        doses.append(DoseStep(jitter(day), Decimal(dose), "planned_step"))
    step_back = doses[-1].date + datetime.timedelta(days=5)
    doses.append(
        DoseStep(
            step_back,
            Decimal("2.0"),
            DoseChange.Reason.SIDE_EFFECT,
            "Back to 2 mg: very vivid dreams and poor sleep at 2.5 mg.",
        )
    )
    doses.append(
        DoseStep(jitter(75), Decimal("2.5"), "planned_step", "Trying 2.5 mg again.")
    )
    doses.append(DoseStep(jitter(89), Decimal("3.0"), "planned_step"))
    pause = on(96)
    restart = pause + datetime.timedelta(days=5)
    doses.append(
        DoseStep(pause, None, DoseChange.Reason.PAUSE, "Stomach bug, pausing LDN.")
    )
    doses.append(
        DoseStep(
            restart, Decimal("3.0"), DoseChange.Reason.RESTART, "Restarted at 3 mg."
        )
    )
    for day, dose in ((115, "3.5"), (129, "4.0"), (143, "4.5")):
        doses.append(DoseStep(jitter(day), Decimal(dose), "planned_step"))
    doses = [d for d in doses if d.date <= today]

    pause_days = {pause + datetime.timedelta(days=n) for n in range(5)}
    change_days = {d.date for d in doses}
    candidates = [
        ldn_start + datetime.timedelta(days=n)
        for n in range(1, ldn_offset)
        if ldn_start + datetime.timedelta(days=n) not in pause_days | change_days
    ]
    missed_notes = [
        "Fell asleep on the sofa and missed it.",
        "Away overnight, forgot the bottle.",
        "",
        "Forgot.",
        "",
        "Too nauseous to take it.",
    ]
    count = min(len(missed_notes), max(1, ldn_offset // 25))
    missed = sorted(
        zip(sorted(rng.sample(candidates, count)), missed_notes[:count], strict=True)
    )

    vivid, insomnia, headache = "vivid_dreams", "insomnia", "headache"
    third_step = doses[4].date if len(doses) > 4 else on(56)
    effects = [
        EffectPlan(on(1), vivid, 2, "Very vivid dreams, woke at 4am."),
        EffectPlan(on(3), vivid, 2),
        EffectPlan(on(6), vivid, 1),
        EffectPlan(on(11), vivid, 1),
        EffectPlan(on(16), headache, 1, "Mild headache in the morning."),
        EffectPlan(on(31), headache, 1),
        EffectPlan(third_step + ONE_DAY, vivid, 2),
        EffectPlan(third_step + 2 * ONE_DAY, insomnia, 2),
        EffectPlan(third_step + 3 * ONE_DAY, vivid, 3, "Nightmares, hardly slept."),
        EffectPlan(third_step + 3 * ONE_DAY, insomnia, 3),
        EffectPlan(third_step + 4 * ONE_DAY, insomnia, 2),
        EffectPlan(step_back + 2 * ONE_DAY, vivid, 1),
        EffectPlan(on(91), headache, 2),
        EffectPlan(restart + ONE_DAY, insomnia, 1),
        EffectPlan(on(131), headache, 1),
    ]
    effects = [e for e in effects if e.date <= today]
    bad_sleep = {on(n) for n in (1, 2, 3)}
    bad_sleep |= {third_step + n * ONE_DAY for n in range(1, 6)}
    bad_sleep.add(restart + ONE_DAY)

    def pre(fraction: float) -> datetime.date:
        return first + datetime.timedelta(days=round(fraction * pre_span))

    def span(start: datetime.date, length: int) -> datetime.date:
        return min(today, start + datetime.timedelta(days=length - 1))

    c1, c2, c3, c4 = pre(0.09), pre(0.33), pre(0.56), pre(0.82)
    c5, c6 = on(round(0.24 * ldn_offset)), on(round(0.57 * ldn_offset))
    c7 = today - datetime.timedelta(days=2)
    crashes = [
        CrashPlan(
            c1, span(c1, 5), 2, Crash.Trigger.PHYSICAL, "Walked to the post office."
        ),
        CrashPlan(
            c2,
            span(c2, 13),
            4,
            Crash.Trigger.INFECTION,
            "A cold that went to my chest. Bedbound for a week.",
        ),
        CrashPlan(c3, span(c3, 3), 1, Crash.Trigger.COGNITIVE, "Long video call."),
        CrashPlan(
            c4,
            span(c4, 7),
            3,
            Crash.Trigger.EMOTIONAL,
            "Benefits assessment letter; a stressful week.",
        ),
        CrashPlan(c5, span(c5, 4), 2, Crash.Trigger.PHYSICAL, "Cleaned the bathroom."),
        CrashPlan(c6, span(c6, 5), 3, Crash.Trigger.UNKNOWN, ""),
        CrashPlan(c7, None, 2, Crash.Trigger.OTHER, "Hospital appointment, ongoing."),
    ]
    # Too ill to log for five or six days in the middle of the worst crash.
    gap_start = c2 + datetime.timedelta(days=3)
    forced_gap = {
        gap_start + datetime.timedelta(days=n) for n in range(rng.choice((5, 6)))
    }

    notes = {
        first: "Started this diary to have something to show the GP.",
        c1: "Paying for yesterday's walk.",
        c2: "Sore throat and shivery. Everything hurts.",
        c4: "Awful letter today. Can't settle.",
        pre(0.25): "Sat outside for twenty minutes. Lovely.",
        pre(0.45): "Shower and hair wash: needed a long rest after.",
        pre(0.7): "Phone appointment with the GP about LDN.",
        ldn_start: "First LDN dose at bedtime: 0.5 ml (0.5 mg).",
        on(1): "Very vivid dreams last night.",
        step_back: "Going back to 2 mg for now.",
        pause: "Stomach bug, pausing LDN until I can keep things down.",
        restart: "Restarted LDN at 3 mg.",
        c7: "Hospital appointment yesterday. Crashing.",
    }
    for step in doses:
        if step.dose_mg == Decimal("4.5"):
            notes[step.date] = "Reached 4.5 mg. Staying here for now."
    notes = {day: text for day, text in notes.items() if first <= day <= today}
    return Plan(
        first=first,
        today=today,
        ldn_start=ldn_start,
        doses=doses,
        missed=missed,
        effects=effects,
        crashes=[c for c in crashes if c.start_date <= today],
        bad_sleep=bad_sleep,
        stomach_bug={pause - ONE_DAY, *pause_days},
        notes=notes,
        forced_gap=forced_gap - set(notes),
    )


# ---------------------------------------------------------------------- the writes


def _write_treatments(user: User, plan: Plan) -> None:
    start, *steps = plan.doses
    course = course_create(
        user=user,
        start_date=plan.ldn_start,
        formulation="liquid",
        strength="1 mg/ml",
        pharmacy="Meadowbank Pharmacy",
        notes="Prescribed by my GP. Oral syringe: 1 ml is 1 mg.",
        first_dose_mg=start.dose_mg,
        time_of_day=BEDTIME,
    )
    for step in steps:
        dose_change_add(
            course=course,
            date=step.date,
            dose_mg=step.dose_mg,
            reason=step.reason,
            time_of_day="" if step.dose_mg is None else BEDTIME,
            note=step.note,
        )
    for date, note in plan.missed:
        missed_dose_add(course=course, date=date, note=note)
    for effect in plan.effects:
        side_effect_add(
            course=course,
            date=effect.date,
            kind=effect.kind,
            severity=effect.severity,
            note=effect.note,
        )


def _write_crashes(user: User, plan: Plan) -> None:
    for crash in plan.crashes:
        crash_create(
            user=user,
            start_date=crash.start_date,
            end_date=crash.end_date,
            severity=crash.severity,
            trigger=crash.trigger,
            notes=crash.notes,
        )


def _write_medications(user: User, plan: Plan) -> None:
    medication_create(
        user=user,
        name="Vitamin D",
        kind=Medication.Kind.SUPPLEMENT,
        dose="1000 IU daily",
        start_date=plan.first - datetime.timedelta(days=200),
    )
    medication_create(
        user=user,
        name="Magnesium glycinate",
        kind=Medication.Kind.SUPPLEMENT,
        dose="200 mg at night",
        start_date=plan.first + datetime.timedelta(days=30),
        stop_date=plan.ldn_start - datetime.timedelta(days=21),
        notes="Stopped: no difference I could notice.",
    )


def _crash_load(plan: Plan) -> dict[datetime.date, tuple[float, Crash.Trigger | None]]:
    """Extra symptom load per day from crashes (2-3 points), with a short tail
    after each crash; and the trigger of a crash that starts the next day."""
    load: dict[datetime.date, tuple[float, Crash.Trigger | None]] = {}
    for crash in plan.crashes:
        bump = 2.0 + (crash.severity - 1) / 3
        end = crash.end_date or plan.today
        day = crash.start_date
        while day <= end:
            first_day = day == crash.start_date
            load[day] = (bump * (0.85 if first_day else 1.0), None)
            day += ONE_DAY
        if crash.end_date is not None:
            for n, tail in ((1, 1.0), (2, 0.5)):
                after = crash.end_date + n * ONE_DAY
                load.setdefault(after, (tail, None))
        before = crash.start_date - ONE_DAY
        previous = load.get(before, (0.0, None))[0]
        load[before] = (previous, Crash.Trigger(crash.trigger))
    return load


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _whole(value: float, low: int = 0, high: int = 10) -> int:
    return int(_clip(math.floor(value + 0.5), low, high))


def _half_hours(value: float, low: float, high: float) -> Decimal:
    return Decimal(f"{math.floor(_clip(value, low, high) * 2 + 0.5) / 2:.1f}")


def _write_entries(
    user: User,
    rng: random.Random,
    plan: Plan,
    symptoms: list[tuple[int, str, SymptomProfile]],
) -> None:
    crash_load = _crash_load(plan)
    noise = dict.fromkeys((pk for pk, _k, _p in symptoms), 0.0)
    common = 0.0
    logged = True
    day = plan.first
    while day <= plan.today:
        # Every draw happens every day, logged or not, so gaps never shift scores.
        common = 0.6 * common + rng.gauss(0, 0.55)
        # Somewhat worse early in the week, after the weekend's visitors.
        weekly = 0.35 * math.cos(2 * math.pi * (day.weekday() - 1) / 7)
        crash, trigger = crash_load.get(day, (0.0, None))
        since_ldn = (day - plan.ldn_start).days
        ldn = _clip(since_ldn / 56, 0.0, 1.0) if since_ldn >= 0 else 0.0
        bad_sleep = day in plan.bad_sleep
        bug = day in plan.stomach_bug

        scores = {}
        for pk, key, profile in symptoms:
            noise[pk] = 0.7 * noise[pk] + rng.gauss(0, 0.75)
            value = (
                profile.baseline
                + noise[pk]
                + common
                + weekly
                + crash * profile.crash_weight
                + profile.ldn_change * ldn
            )
            if bad_sleep and key == "unrefreshing-sleep":
                value += 1.5
            if bug and key in ("fatigue", "muscle-pain"):
                value += 1.0
            if rng.random() >= profile.unanswered_rate:
                scores[pk] = _whole(value)

        physical = 3.0 + rng.gauss(0, 1.0) - 0.8 * crash
        cognitive = 3.5 + rng.gauss(0, 1.1) - 0.6 * crash
        if trigger == Crash.Trigger.PHYSICAL:
            physical = 7.5 + rng.random()
        elif trigger == Crash.Trigger.COGNITIVE:
            cognitive = 8.0 + rng.random()
        candidates = {
            "function_score": 10
            * _whole((35 + 4 * ldn - 3.5 * common - 5 * weekly - 6 * crash) / 10, 1, 6),
            "hours_upright": _half_hours(
                5.0 + 0.8 * ldn - 0.6 * common - 1.2 * crash + rng.gauss(0, 0.6),
                0.5,
                12,
            ),
            "sleep_hours": _half_hours(
                8.5 + rng.gauss(0, 0.7) + 0.4 * crash - (2.0 if bad_sleep else 0),
                3,
                12,
            ),
            "sleep_quality": _whole(
                4.5
                - 0.5 * common
                + rng.gauss(0, 1.0)
                - (2.5 if bad_sleep else 0)
                - 0.3 * crash
            ),
            "physical_exertion": _whole(physical),
            "cognitive_exertion": _whole(cognitive),
        }
        presence = {
            "function_score": 0.9,
            "hours_upright": 0.88,
            "sleep_hours": 0.93,
            "sleep_quality": 0.93,
            "physical_exertion": 0.86,
            "cognitive_exertion": 0.85,
        }
        fields: dict[str, object] = {
            name: value
            for name, value in candidates.items()
            if rng.random() < presence[name]
        }

        # Gaps: a missed day makes another more likely (a Markov chain).
        logged = rng.random() >= (0.075 if logged else 0.45)
        note = plan.notes.get(day)
        recent = (plan.today - day).days < 2
        if note is not None or recent:
            logged = True
        elif day in plan.forced_gap:
            logged = False
        if logged:
            if note:
                fields["notes"] = note
            entry_upsert(user=user, date=day, scores=scores, fields=fields)
        day += ONE_DAY


# -------------------------------------------------------------------------- public


def demo_user_delete(*, email: str) -> int:
    """Delete the demo account with this email and all its data. Returns how many
    accounts were deleted (0 or 1)."""
    if not is_reserved_email(email):
        raise ValueError(f"{email} is not a reserved example address.")
    users = User.objects.filter(email__iexact=email)
    count = users.count()
    for user in users:
        user.delete()
    return count


def demo_user_create(
    *,
    email: str = DEMO_EMAIL,
    password: str = DEMO_PASSWORD,
    days: int = 365,
    seed: int = 7,
    today: datetime.date | None = None,
) -> User:
    """(Re-)create a demo account with ``days`` days of diary data ending ``today``
    (default: the user's local today in Europe/London).

    Deletes any existing account with ``email`` first, so the email must be a
    reserved example address (example.org, .test, ...), never a real person's.
    ``today`` must not be after the user's local today: the services refuse
    future dates.
    """
    if not is_reserved_email(email):
        raise ValueError(
            f"{email} is not a reserved example address; the demo deletes any "
            "account with its email, so it only uses addresses like demo@example.org."
        )
    if days < MIN_DAYS:
        raise ValueError(f"A demo diary needs at least {MIN_DAYS} days.")
    with transaction.atomic():
        demo_user_delete(email=email)
        _ensure_catalogue()
        user = user_sign_up(
            email=email,
            password=password,
            time_zone=DEMO_TIME_ZONE,
            display_name=DEMO_DISPLAY_NAME,
            notice_acknowledged=True,
        )
        user_update_settings(
            user=user,
            time_zone=DEMO_TIME_ZONE,
            display_name=DEMO_DISPLAY_NAME,
            takes_opioids=User.OpioidAnswer.NO,
        )
        rng = random.Random(seed)
        plan = _plan(rng, today=today or user.local_today(), days=days)
        symptoms = _track_symptoms(user)
        _write_treatments(user, plan)
        _write_crashes(user, plan)
        _write_medications(user, plan)
        _write_entries(user, rng, plan, symptoms)
    return user
