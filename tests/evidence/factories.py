import factory

from evidence.models import Study


class StudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Study
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"study-{n}")
    label = factory.Sequence(lambda n: f"Example et al. {2000 + n % 25}")
    authors = "Example A, Sample B"
    year = 2020
    title = factory.Sequence(lambda n: f"A made-up study number {n}")
    venue = "Journal of Examples"
    design = "open-label pilot"
    population = "adults with ME/CFS"
    n = "20"
    dose = "4.5 mg/day"
    duration = "12 weeks"
    outcomes = "Made-up results for a test."
    limitations = "Made up for a test; shows nothing."
    group = Study.Group.MECFS_CLINICAL
    evidence_level = Study.Level.L4
    relevance_to_mecfs = Study.Relevance.DIRECT
    headline = "A made-up headline"
    verified = True
