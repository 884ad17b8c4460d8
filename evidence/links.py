"""Which addresses a patient is shown for a study, and which may never be stored.

Reading links (:func:`reading_links`), in this order: the DOI, PubMed and the
trial registry, built from the study's identifiers. Only when a study has none of
those: the publisher's own page of it (a source the data marks ``"kind":
"primary"``), and only when there is none of that either, a summary written by
someone else (``"kind": "secondary"``), labelled as a secondary summary. Every
other source address is a checking note (where a fact was seen), shown as the
site's name, never as a link.

Addresses that are never accepted (:func:`source_problem`): a library or campus
proxy (EZproxy's rewritten host names, WebVPN, ``0-``-prefixed hosts), a copy
fetched through another site (``https://host:443/https/...``), a test or
staging server (``uat.``, ``dev.``, ``qa.``...), a malformed host, and hosts
known to serve spam. The loader refuses a data file with one of them, naming
the study.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Study

SOURCE_KINDS = ("primary", "secondary")

# Labels of a host name that mark a test or staging server.
TEST_SERVER_LABELS = {
    "uat",
    "dev",
    "test",
    "testing",
    "staging",
    "stage",
    "qa",
    "sandbox",
}
# Hosts that served spam or a scraped copy in earlier versions of the data.
SPAM_HOSTS = {"news-247.top", "fanyv88.com"}
# EZproxy rewrites "journal.example.com" as "journal-example-com.<proxy host>".
EZPROXY_HOST_RE = re.compile(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*-(?:com|org|net|edu|gov)(?:-443)?\."
)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def site_name(url: str) -> str:
    """The host without "www.": what a checking note shows instead of a link."""
    host = host_of(url).rstrip(".")
    return host.removeprefix("www.")


def source_problem(url: str) -> str | None:
    """Why ``url`` may not be stored as a study's source, or None if it may."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    if not host or host.endswith(".") or labels[0] in {"http", "https"}:
        return "a malformed host name"
    if host in SPAM_HOSTS or any(host.endswith("." + spam) for spam in SPAM_HOSTS):
        return "a host known for spam"
    if (
        "ezproxy" in host
        or "webvpn" in host
        or host.endswith(".idm.oclc.org")
        or host.startswith("0-")
        or EZPROXY_HOST_RE.match(host)
        or re.search(r"/https?/", parts.path)
    ):
        return "a library or campus proxy, not the publisher's address"
    if any(
        label in TEST_SERVER_LABELS or label.endswith(("-qa", "-uat", "-dev"))
        for label in labels[:-2]
    ):
        return "a test or staging server"
    return None


@dataclass(frozen=True)
class ReadingLink:
    kind: str  # "doi", "pubmed", "registry", "primary" or "secondary"
    label: str
    url: str
    text: str

    @property
    def is_secondary(self) -> bool:
        return self.kind == "secondary"


def reading_links(study: Study) -> list[ReadingLink]:
    """The links a patient is shown for ``study``, best first (module docstring)."""
    links = []
    if study.doi:
        links.append(ReadingLink("doi", str(_("DOI")), study.doi_url, study.doi))
    if study.pmid:
        links.append(
            ReadingLink("pubmed", str(_("PubMed")), study.pubmed_url, study.pmid)
        )
    if study.registry_id and study.registry_url:
        links.append(
            ReadingLink(
                "registry",
                str(_("Trial registration")),
                study.registry_url,
                study.registry_id,
            )
        )
    if links:
        return links
    sources = study.sources if isinstance(study.sources, list) else []
    for kind, label in (
        ("primary", _("Publisher's page")),
        ("secondary", _("Secondary summary (not the study itself)")),
    ):
        found = [
            ReadingLink(kind, str(label), source["url"], site_name(source["url"]))
            for source in sources
            if isinstance(source, dict)
            and source.get("kind") == kind
            and source_problem(source.get("url", "")) is None
        ]
        if found:
            return found
    return []


def checking_notes(study: Study) -> list[dict[str, str]]:
    """Every source as a checking note: the site's name and what it supports."""
    sources = study.sources if isinstance(study.sources, list) else []
    return [
        {"site": site_name(source["url"]), "supports": source.get("supports", "")}
        for source in sources
        if isinstance(source, dict) and isinstance(source.get("url"), str)
    ]
