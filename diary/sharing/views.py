"""Share links, both sides.

The patient (logged in, their own links only): ``share_list`` shows each link
with its status and access log, ``share_create`` makes one and shows its URL
once, ``share_revoke`` stops one, ``share_delete`` deletes one with its access
log.

The doctor (no log-in, ``/s/<token>/``): ``share_view`` shows the report, the
same HTML as the PDF (``diary.exports.pdf.render_report_html``) with a "Download
PDF" link, after an access code if the link has one; ``share_pdf`` builds the PDF
synchronously: it is one report, and building it on each download means the
doctor always gets what the page shows, with nothing stored. Unknown, revoked and
expired tokens all get the same neutral 404 page. See ``guard`` for the headers
and the rate limit.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diary.exports.data import report_data
from diary.exports.models import ExportSection
from diary.forms.fields import add_service_errors

from . import guard, services
from .forms import AccessCodeForm, ShareLinkForm
from .models import ShareAccess, ShareLink

LIST_LIMIT = 100
ACCESS_LOG_LIMIT = 50
SESSION_KEY = "share_links_opened"
SESSION_MAX_LINKS = 20
VIEW_OUTCOMES = (ShareAccess.Outcome.VIEWED, ShareAccess.Outcome.PDF)


# ------------------------------------------------------------------ the patient


def _status(link: ShareLink, now) -> tuple[str, str]:
    if link.revoked_at is not None:
        return "revoked", _("Stopped")
    if link.expires_at <= now:
        return "expired", _("Expired")
    return "active", _("Active")


def _section_labels(sections) -> list[str]:
    labels = dict(ExportSection.choices)
    return [str(labels[s]) for s in ExportSection.values if s in sections]


@login_required
@require_GET
@never_cache
def share_list(request):
    now = timezone.now()
    links = list(
        ShareLink.objects.for_user(request.user)
        .annotate(
            view_count=Count("accesses", filter=Q(accesses__outcome__in=VIEW_OUTCOMES))
        )
        .prefetch_related(
            Prefetch(
                "accesses",
                queryset=ShareAccess.objects.order_by("-accessed_at", "-id")[
                    :ACCESS_LOG_LIMIT
                ],
                to_attr="recent_accesses",
            )
        )[:LIST_LIMIT]
    )
    for link in links:
        link.status, link.status_label = _status(link, now)
        link.section_labels = _section_labels(link.sections)
    return render(
        request,
        "diary/sharing/list.html",
        {
            "links": links,
            "access_log_limit": ACCESS_LOG_LIMIT,
            "access_retention_days": settings.SHARE_ACCESS_RETENTION_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def share_create(request):
    if request.method == "POST":
        form = ShareLinkForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                link, token = services.share_link_create(
                    user=request.user, **form.service_kwargs()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                # Not a redirect: the token must not be kept anywhere, not even in
                # the session, so this response (never cached) is the one place it
                # appears.
                return render(
                    request,
                    "diary/sharing/created.html",
                    {
                        "link": link,
                        "url": services.share_link_url(token, request=request),
                        "section_labels": _section_labels(link.sections),
                    },
                )
    else:
        form = ShareLinkForm(
            user=request.user,
            initial={
                "display_name": request.user.display_name,
                "expires_in_days": services.EXPIRY_DAYS_DEFAULT,
            },
        )
    return render(request, "diary/sharing/create.html", {"form": form})


@login_required
@require_POST
def share_revoke(request, link_uuid):
    link = get_object_or_404(ShareLink.objects.for_user(request.user), uuid=link_uuid)
    services.share_link_revoke(link=link)
    messages.success(
        request,
        _("The link “%(name)s” no longer works.") % {"name": link.label or link.uuid},
    )
    return redirect("diary:share-list")


@login_required
@require_POST
def share_delete(request, link_uuid):
    link = get_object_or_404(ShareLink.objects.for_user(request.user), uuid=link_uuid)
    name = link.label or str(link.uuid)
    services.share_link_delete(link=link)
    messages.success(
        request,
        _("The link “%(name)s” and its access log are deleted.") % {"name": name},
    )
    return redirect("diary:share-list")


# -------------------------------------------------------------------- the doctor


def _unavailable(request):
    """Unknown, revoked or expired: one page, one status, whatever the case."""
    return render(request, "diary/sharing/unavailable.html", status=404)


def _too_many(request):
    response = render(request, "diary/sharing/too_many.html", status=429)
    response["Retry-After"] = str(guard.guess_window())
    return response


def _resolve(request, token):
    """``(link, None)`` for a usable link, else ``(None, response)``."""
    if guard.ip_blocked(request):
        return None, _too_many(request)
    link = services.share_link_resolve(token=token)
    if link is None:
        guard.record_failure(request)
        return None, _unavailable(request)
    return link, None


def _opened(request, link: ShareLink) -> bool:
    if not services.share_link_needs_code(link):
        return True
    return str(link.uuid) in request.session.get(SESSION_KEY, [])


def _remember_opened(request, link: ShareLink) -> None:
    opened = [u for u in request.session.get(SESSION_KEY, []) if u != str(link.uuid)]
    opened.append(str(link.uuid))
    # A new session key once the code is right: a session id set before cannot
    # be used to read the report.
    request.session.cycle_key()
    request.session[SESSION_KEY] = opened[-SESSION_MAX_LINKS:]


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def _report(link: ShareLink):
    return report_data(
        user=link.user,
        start=link.start_date,
        end=link.end_date,
        sections=list(link.sections),
        display_name=link.display_name,
    )


_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_HEAD_CLOSE = re.compile(r"</head\s*>", re.IGNORECASE)


def _with_share_bar(report_html: str, request, token: str) -> str:
    """The report page with the doctor's bar (what this is, "Download PDF") at the
    top of the body and its stylesheet in the head."""
    bar = render_to_string(
        "diary/sharing/_doctor_bar.html",
        {"pdf_url": reverse("diary:share-pdf", args=[token])},
        request=request,
    )
    head = render_to_string("diary/sharing/_doctor_head.html", request=request)
    html = _HEAD_CLOSE.sub(lambda m: head + m.group(0), report_html, count=1)
    match = _BODY_OPEN.search(html)
    if match is None:
        return bar + html
    return html[: match.end()] + bar + html[match.end() :]


def _code_form_page(request, form, status=200, *, stale=False):
    context = {
        "form": form,
        "stale": stale,
        "form_token_field": guard.FORM_TOKEN_FIELD,
        "form_token": guard.form_token(request),
    }
    return render(request, "diary/sharing/code.html", context, status=status)


@guard.doctor_page("GET", "HEAD", "POST")
def share_view(request, token):
    link, refusal = _resolve(request, token)
    if refusal is not None:
        return refusal

    if request.method == "POST":
        if not services.share_link_needs_code(link):
            return redirect("diary:share-view", token=token)
        if guard.link_blocked(link):
            return _too_many(request)
        form = AccessCodeForm(request.POST)
        if not guard.form_token_ok(request):
            # Posted from elsewhere, or the session ended: ask again, count nothing.
            return _code_form_page(request, AccessCodeForm(), status=403, stale=True)
        if not form.is_valid():
            return _code_form_page(request, form)
        if services.share_link_check_code(link=link, code=form.cleaned_data["code"]):
            _remember_opened(request, link)
            return redirect("diary:share-view", token=token)
        guard.record_failure(request, link)
        services.share_access_record(
            link=link,
            outcome=ShareAccess.Outcome.WRONG_CODE,
            user_agent=_user_agent(request),
        )
        form.add_error(
            "code", _("This is not the access code. Check it and try again.")
        )
        return _code_form_page(request, form)

    if not _opened(request, link):
        return _code_form_page(request, AccessCodeForm())

    from diary.exports.pdf import render_report_html

    html = render_report_html(_report(link), for_print=False)
    if request.method == "GET":
        services.share_access_record(
            link=link,
            outcome=ShareAccess.Outcome.VIEWED,
            user_agent=_user_agent(request),
        )
    return HttpResponse(_with_share_bar(html, request, token))


@guard.doctor_page("GET", "HEAD")
def share_pdf(request, token):
    link, refusal = _resolve(request, token)
    if refusal is not None:
        return refusal
    if not _opened(request, link):
        return redirect("diary:share-view", token=token)

    from diary.exports.pdf import build_pdf

    content = build_pdf(_report(link))
    if request.method == "GET":
        services.share_access_record(
            link=link, outcome=ShareAccess.Outcome.PDF, user_agent=_user_agent(request)
        )
    response = HttpResponse(content, content_type="application/pdf")
    filename = (
        f"ldn-diary-report-{link.start_date:%Y-%m-%d}-to-{link.end_date:%Y-%m-%d}"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
