import datetime
from decimal import Decimal

import factory
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from diary.models import (
    Crash,
    DoseChange,
    Entry,
    Medication,
    MissedDose,
    SideEffect,
    Symptom,
    SymptomScore,
    TrackedSymptom,
    TreatmentCourse,
)

# bob, the other patient (tests/conftest.py), lives in New York.
BOB_TIME_ZONE = "America/New_York"
PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"patient{n}@example.org")
    time_zone = "Europe/London"
    medical_notice_version = factory.LazyFunction(
        lambda: settings.MEDICAL_NOTICE_VERSION
    )
    medical_notice_acknowledged_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SymptomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Symptom

    name = factory.Sequence(lambda n: f"Own symptom {n}")
    owner = factory.SubFactory(UserFactory)


class TrackedSymptomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackedSymptom

    user = factory.SubFactory(UserFactory)
    symptom = factory.SubFactory(SymptomFactory, owner=factory.SelfAttribute("..user"))
    position = factory.Sequence(lambda n: n)


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    user = factory.SubFactory(UserFactory)
    date = factory.LazyFunction(
        lambda: datetime.date.today() - datetime.timedelta(days=1)
    )


class SymptomScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SymptomScore

    entry = factory.SubFactory(EntryFactory)
    symptom = factory.SubFactory(SymptomFactory)
    score = 5


class CrashFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Crash

    user = factory.SubFactory(UserFactory)
    start_date = factory.LazyFunction(
        lambda: datetime.date.today() - datetime.timedelta(days=10)
    )
    end_date = factory.LazyAttribute(
        lambda o: o.start_date + datetime.timedelta(days=3)
    )
    severity = Crash.Severity.MODERATE
    trigger = Crash.Trigger.PHYSICAL


class TreatmentCourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentCourse

    user = factory.SubFactory(UserFactory)
    start_date = factory.LazyFunction(
        lambda: datetime.date.today() - datetime.timedelta(days=60)
    )
    formulation = TreatmentCourse.Formulation.LIQUID
    strength = "1 mg/ml"


class DoseChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoseChange

    course = factory.SubFactory(TreatmentCourseFactory)
    date = factory.LazyAttribute(lambda o: o.course.start_date)
    dose_mg = Decimal("1.5")
    reason = DoseChange.Reason.START
    time_of_day = DoseChange.TimeOfDay.BEDTIME


class MissedDoseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MissedDose

    course = factory.SubFactory(TreatmentCourseFactory)
    date = factory.LazyAttribute(lambda o: o.course.start_date + datetime.timedelta(5))


class SideEffectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SideEffect

    course = factory.SubFactory(TreatmentCourseFactory)
    date = factory.LazyAttribute(lambda o: o.course.start_date + datetime.timedelta(2))
    kind = SideEffect.Kind.VIVID_DREAMS
    severity = SideEffect.Severity.MILD


class MedicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Medication

    user = factory.SubFactory(UserFactory)
    name = "Vitamin D"
    kind = Medication.Kind.SUPPLEMENT
    dose = "1000 IU daily"
