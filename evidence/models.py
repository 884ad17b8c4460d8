"""The evidence catalogue: published studies and trial registrations about low-dose
naltrexone that matter to people with ME/CFS.

Studies are public reference data, not patient data: they have no owner, and staff
edit them in the admin. The source list lives in ``evidence/data/`` and is loaded by
``manage.py load_studies`` (``evidence.services.studies_load``).
"""

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .links import SOURCE_KINDS, checking_notes, reading_links, source_problem
from .managers import StudyQuerySet

# Identifier formats. Every record in evidence/data/studies.json matches one of these.
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
PMID_RE = re.compile(r"^[1-9]\d{0,8}$")
REGISTRY_PATTERNS = {
    "nct": re.compile(r"^NCT\d{8}$"),
    "actrn": re.compile(r"^ACTRN\d{14}$"),
    "eudract": re.compile(r"^EudraCT \d{4}-\d{6}-\d{2}$"),
}
# Paths under /evidence/ that are pages, so no study may take them as its key.
RESERVED_KEYS = {"levels"}


def validate_doi(value: str) -> None:
    if not DOI_RE.match(value):
        raise ValidationError(
            _(
                '%(value)s is not a DOI. A DOI starts with "10.", then a number, '
                'a "/" and the rest, with no spaces (for example 10.1136/bcr-2019-232502).'
            ),
            code="invalid_doi",
            params={"value": value},
        )


def validate_pmid(value: str) -> None:
    if not PMID_RE.match(value):
        raise ValidationError(
            _(
                "%(value)s is not a PubMed ID. A PubMed ID is a number, such as 31911410."
            ),
            code="invalid_pmid",
            params={"value": value},
        )


def registry_kind(value: str) -> str | None:
    """Which registry an identifier belongs to ("nct", "actrn", "eudract"), or None."""
    for kind, pattern in REGISTRY_PATTERNS.items():
        if pattern.match(value):
            return kind
    return None


def validate_registry_id(value: str) -> None:
    if registry_kind(value) is None:
        raise ValidationError(
            _(
                "%(value)s is not a trial registration number we recognise. Use NCT and "
                "8 digits (ClinicalTrials.gov), ACTRN and 14 digits (ANZCTR), or "
                '"EudraCT" and a number such as 2019-000702-30.'
            ),
            code="invalid_registry_id",
            params={"value": value},
        )


def validate_key(value: str) -> None:
    if value in RESERVED_KEYS:
        raise ValidationError(
            _("%(value)s is the address of another page; choose another key."),
            code="reserved_key",
            params={"value": value},
        )


def validate_text_list(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise ValidationError(
            _('Enter a list of non-empty texts, for example ["fatigue", "pain"].'),
            code="invalid_list",
        )


def validate_sources(value) -> None:
    """A list of {"url": "https://...", "supports": "...", "kind": ...}: only web
    addresses, so a link on the page can never run script, and none that
    :func:`evidence.links.source_problem` refuses (proxies, test servers, spam).
    ``kind`` is optional: "primary" for the publisher's own page of the study,
    "secondary" for a summary by someone else (see :mod:`evidence.links`)."""
    message = _(
        'Enter a list of sources, each like {"url": "https://...", "supports": '
        '"which facts it supports"}, optionally with "kind": "primary" or '
        '"secondary"; addresses must start with http:// or https://.'
    )
    if not isinstance(value, list):
        raise ValidationError(message, code="invalid_sources")
    for item in value:
        if (
            not isinstance(item, dict)
            or set(item) - {"url", "supports", "kind"}
            or not isinstance(item.get("url"), str)
            or not re.match(r"^https?://[^\s<>\"']+$", item["url"])
            or not isinstance(item.get("supports", ""), str)
            or item.get("kind", "primary") not in SOURCE_KINDS
        ):
            raise ValidationError(message, code="invalid_sources")
        problem = source_problem(item["url"])
        if problem:
            raise ValidationError(
                _("%(url)s is %(problem)s; give the publisher's or registry's address.")
                % {"url": item["url"], "problem": problem},
                code="refused_source",
            )


STATUS_CHECKED_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")


def validate_status_checked(value: str) -> None:
    if not STATUS_CHECKED_RE.match(value):
        raise ValidationError(
            _(
                "%(value)s is not a date. Write the year and month the registry was "
                "checked, such as 2026-11, or the full date, such as 2026-11-20."
            ),
            code="invalid_status_checked",
            params={"value": value},
        )


class Study(models.Model):
    """One study, review or trial registration in the evidence catalogue."""

    class Group(models.TextChoices):
        # In the order the list page shows them.
        MECFS_CLINICAL = "mecfs-clinical", _("ME/CFS: studies in patients")
        MECFS_REGISTERED = (
            "mecfs-registered",
            _("ME/CFS: registered trials, no results yet"),
        )
        LABORATORY = "laboratory", _("Laboratory studies")
        LONG_COVID = "long-covid", _("Long COVID and fatigue after a virus")
        FIBROMYALGIA = "fibromyalgia", _("Fibromyalgia trials (indirect evidence)")
        REVIEWS = "reviews", _("Reviews and assessments")

    class Level(models.TextChoices):
        # Strongest first; R (a registration) is not evidence at all.
        L1 = "L1", _("L1: systematic review")
        L2 = "L2", _("L2: randomised placebo-controlled trial")
        L3 = "L3", _("L3: small controlled pilot")
        L4 = "L4", _("L4: uncontrolled clinical data")
        L5 = "L5", _("L5: laboratory work or narrative review")
        R = "R", _("R: registered trial, no results")

    class Relevance(models.TextChoices):
        DIRECT = "direct", _("Direct: ME/CFS")
        PARTLY_DIRECT = (
            "partly-direct",
            _("Partly direct: long COVID or fatigue after a virus"),
        )
        INDIRECT = "indirect", _("Indirect: another condition")

    LEVEL_MEANINGS: dict[str, Any] = {
        Level.L1: _(
            "Researchers gathered the studies on one question and weighed them together. "
            "A review is only as strong as the studies it pools."
        ),
        Level.L2: _(
            "People were put by chance on LDN or on a dummy pill, and neither they nor "
            "the researchers knew which. This is the fairest test of whether a treatment "
            "works."
        ),
        Level.L3: _(
            "A small trial with some comparison, such as a dummy-pill period, but too "
            "small or too open to settle the question."
        ),
        Level.L4: _(
            "Records or reports of people who took LDN, with nothing to compare them "
            "with. They cannot separate the drug from natural ups and downs, the placebo "
            "effect or other changes."
        ),
        Level.L5: _(
            "Experiments on cells, or an expert's overview. They can suggest how LDN "
            "might act, but cannot show that people feel better."
        ),
        Level.R: _(
            "A trial that has been planned or started. It has no results, so it is not "
            "evidence that LDN helps."
        ),
    }
    RELEVANCE_MEANINGS: dict[str, Any] = {
        Relevance.DIRECT: _("Studied people with ME/CFS, or their cells."),
        Relevance.PARTLY_DIRECT: _(
            "Studied long COVID or long-lasting fatigue after a virus, which overlap "
            "with ME/CFS but are not the same."
        ),
        Relevance.INDIRECT: _(
            "Studied another condition, such as fibromyalgia. Results may not carry "
            "over to ME/CFS."
        ),
    }
    # Names that may appear in ``unverified_fields``: the fields below, plus facts the
    # model has no field for. Labels are what the pages show.
    UNVERIFIABLE: dict[str, Any] = {
        "authors": _("authors"),
        "year": _("year"),
        "title": _("title"),
        "venue": _("where it was published"),
        "volume_pages": _("volume and pages"),
        "doi": _("DOI"),
        "pmid": _("PubMed ID"),
        "registry_id": _("trial registration"),
        "design": _("design"),
        "population": _("who took part"),
        "n": _("number of participants"),
        "dose": _("dose"),
        "duration": _("duration"),
        "outcomes": _("results"),
        "status": _("recruitment status"),
        "on_treatment_weeks": _("weeks of treatment measured"),
        "ldn_results": _("results for LDN specifically"),
        "peer_review": _("whether it was peer reviewed"),
    }

    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        validators=[validate_key],
        help_text=_("Stable name used in the address and by the data loader."),
    )
    label = models.CharField(_("short citation"), max_length=120)
    authors = models.CharField(_("authors"), max_length=400, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    title = models.CharField(_("title"), max_length=500)
    venue = models.CharField(_("published in"), max_length=300, blank=True)
    volume_pages = models.CharField(_("volume and pages"), max_length=120, blank=True)
    doi = models.CharField(
        _("DOI"), max_length=200, blank=True, validators=[validate_doi]
    )
    pmid = models.CharField(
        _("PubMed ID"), max_length=12, blank=True, validators=[validate_pmid]
    )
    registry_id = models.CharField(
        _("trial registration"),
        max_length=40,
        blank=True,
        validators=[validate_registry_id],
        help_text=_("NCT00000000, ACTRN00000000000000 or EudraCT 0000-000000-00."),
    )
    status_checked = models.CharField(
        _("registration status checked"),
        max_length=10,
        blank=True,
        validators=[validate_status_checked],
        help_text=_(
            "When the trial registry was last looked at: 2026-11 or 2026-11-20. "
            "Required for a registered trial (level R)."
        ),
    )
    other_ids = models.JSONField(
        _("other identifiers"),
        default=list,
        blank=True,
        validators=[validate_text_list],
        help_text=_("Further registration or grant numbers, shown as plain text."),
    )
    design = models.CharField(_("design"), max_length=120)
    design_detail = models.TextField(_("design in detail"), blank=True)
    population = models.TextField(_("who took part"), blank=True)
    n = models.CharField(
        _("number of participants"),
        max_length=400,
        blank=True,
        help_text=_('As the study reports it, for example "31" or "75 planned".'),
    )
    dose = models.CharField(_("dose"), max_length=400, blank=True)
    duration = models.CharField(_("duration"), max_length=400, blank=True)
    on_treatment_weeks = models.PositiveSmallIntegerField(
        _("weeks of treatment measured"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(520)],
        help_text=_("Only where the study gives a fixed treatment period."),
    )
    outcomes = models.TextField(_("main results"), blank=True)
    limitations = models.TextField(_("what it cannot show"))
    group = models.CharField(_("group"), max_length=24, choices=Group.choices)
    evidence_level = models.CharField(
        _("evidence level"), max_length=2, choices=Level.choices
    )
    evidence_level_note = models.CharField(
        _("evidence level, in detail"),
        max_length=200,
        blank=True,
        help_text=_('For example "small RCT (crossover)".'),
    )
    relevance_to_mecfs = models.CharField(
        _("relevance to ME/CFS"), max_length=16, choices=Relevance.choices
    )
    relevance_note = models.CharField(
        _("relevance, in detail"), max_length=200, blank=True
    )
    headline = models.CharField(_("headline"), max_length=200)
    sources = models.JSONField(
        _("sources"), default=list, blank=True, validators=[validate_sources]
    )
    verified = models.BooleanField(
        _("every field confirmed"),
        default=False,
        help_text=_("Tick only when no field is listed as unverified."),
    )
    unverified_fields = models.JSONField(
        _("unverified fields"),
        default=list,
        blank=True,
        help_text=_(
            'Fields that could not be confirmed; the pages mark them "not confirmed". '
            'Use the field names, for example ["pmid", "dose"].'
        ),
    )
    symptoms = models.ManyToManyField(
        "diary.Symptom",
        verbose_name=_("symptoms measured"),
        related_name="studies",
        blank=True,
        limit_choices_to={"owner__isnull": True},
    )
    measured_outcomes = models.JSONField(
        _("what it measured"),
        default=list,
        blank=True,
        validators=[validate_text_list],
        help_text=_('Short labels, for example ["pain", "quality of life"].'),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StudyQuerySet.as_manager()

    class Meta:
        verbose_name = _("study")
        verbose_name_plural = _("studies")
        ordering = ["label"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    evidence_level__in=["L1", "L2", "L3", "L4", "L5", "R"]
                ),
                name="study_evidence_level_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    relevance_to_mecfs__in=["direct", "partly-direct", "indirect"]
                ),
                name="study_relevance_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.evidence_level == self.Level.R and not self.status_checked:
            errors.setdefault("status_checked", []).append(
                _(
                    "Say when the registry was checked: a registered trial's status "
                    "changes, so the page shows this date beside it."
                )
            )
        if not isinstance(self.unverified_fields, list) or not all(
            isinstance(name, str) for name in self.unverified_fields
        ):
            errors.setdefault("unverified_fields", []).append(
                _('Enter a list of field names, for example ["pmid", "dose"].')
            )
        else:
            unknown = sorted(set(self.unverified_fields) - set(self.UNVERIFIABLE))
            if unknown:
                errors.setdefault("unverified_fields", []).append(
                    _("Unknown field names: %(names)s. Use any of: %(allowed)s.")
                    % {
                        "names": ", ".join(unknown),
                        "allowed": ", ".join(self.UNVERIFIABLE),
                    }
                )
            elif self.verified and self.unverified_fields:
                errors.setdefault("verified", []).append(
                    _(
                        "A study cannot be marked as fully confirmed while some of "
                        "its fields are listed as unverified."
                    )
                )
        if errors:
            raise ValidationError(errors)

    # Links -----------------------------------------------------------------------

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def registry_url(self) -> str:
        kind = registry_kind(self.registry_id) if self.registry_id else None
        if kind == "nct":
            return f"https://clinicaltrials.gov/study/{self.registry_id}"
        if kind == "actrn":
            return f"https://www.anzctr.org.au/{self.registry_id}.aspx"
        if kind == "eudract":
            number = self.registry_id.removeprefix("EudraCT ")
            return (
                "https://www.clinicaltrialsregister.eu/ctr-search/search?query="
                f"{number}"
            )
        return ""

    # Plain-language meanings -----------------------------------------------------

    @property
    def level_meaning(self) -> str:
        return str(self.LEVEL_MEANINGS.get(self.evidence_level, ""))

    @property
    def relevance_meaning(self) -> str:
        return str(self.RELEVANCE_MEANINGS.get(self.relevance_to_mecfs, ""))

    @property
    def relevance_detail(self) -> str:
        """The relevance note, unless the label already says it ("ME/CFS")."""
        label = str(self.get_relevance_to_mecfs_display()).lower()
        note = self.relevance_note.strip()
        return "" if note.lower() in label else note

    @property
    def is_registration(self) -> bool:
        """A registration or protocol: it has no results and is not evidence."""
        return self.evidence_level == self.Level.R

    @property
    def status_checked_on(self) -> datetime.date | None:
        """``status_checked`` as a date (the 1st for a month), for formatting."""
        if not self.status_checked or not STATUS_CHECKED_RE.match(self.status_checked):
            return None
        year, month, *day = (int(part) for part in self.status_checked.split("-"))
        return datetime.date(year, month, day[0] if day else 1)

    @property
    def status_checked_text(self) -> str:
        """ "Registration status as checked in November 2026. ..." ("" if unknown)."""
        day = self.status_checked_on
        if day is None:
            return ""
        if self.status_checked_has_day:
            return str(
                _(
                    "Registration status as checked on %(date)s. It may have changed "
                    "since: the registry has the current status."
                )
                % {"date": date_format(day, "j F Y")}
            )
        return str(
            _(
                "Registration status as checked in %(date)s. It may have changed "
                "since: the registry has the current status."
            )
            % {"date": date_format(day, "F Y")}
        )

    @property
    def title_unverified(self) -> bool:
        return self.is_unverified("title")

    @property
    def status_checked_has_day(self) -> bool:
        return self.status_checked.count("-") == 2

    @property
    def reading_links(self) -> list[Any]:
        """DOI, PubMed and registry first; see :func:`evidence.links.reading_links`."""
        return reading_links(self)

    @property
    def checking_notes(self) -> list[dict[str, str]]:
        return checking_notes(self)

    # What could not be confirmed ---------------------------------------------------

    def is_unverified(self, field_name: str) -> bool:
        """Whether ``field_name`` could not be confirmed and must not be shown as
        fact. ``design_detail`` follows ``design``."""
        names = (
            self.unverified_fields if isinstance(self.unverified_fields, list) else []
        )
        if field_name == "design_detail":
            field_name = "design"
        return field_name in names

    @property
    def unverified_labels(self) -> list[str]:
        return [
            str(self.UNVERIFIABLE.get(name, name))
            for name in self.unverified_fields or []
        ]
