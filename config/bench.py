"""Bare views for the load benchmark (``bench/load.py``): the floor that every
page and endpoint is measured against, on the same machine, in the same run.

- ``bare_page``: a Django view behind the whole middleware stack and the same
  log-in (session) as the pages; it answers "ok".
- ``BareApiView``: a DRF view with the API's authentication (device tokens),
  permission and throttles; GET answers ``{"ok": true}``, PUT parses the JSON
  body first (the daily write's floor).
- ``bare_plain``: a Django view behind the whole middleware stack with no log-in
  at all; it answers "ok". It is the floor that ``bench/wger.py`` measures this
  app and another Django app against alike.

They exist only when ``BENCHMARK_VIEWS`` is on (off by default): otherwise they
answer 404, like any unknown address.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView


@login_required
def bare_page(request):
    if not settings.BENCHMARK_VIEWS:
        raise Http404
    return HttpResponse("ok", content_type="text/plain")


def bare_plain(request):
    if not settings.BENCHMARK_VIEWS:
        raise Http404
    return HttpResponse("ok", content_type="text/plain")


@extend_schema(exclude=True)
class BareApiView(APIView):
    def initial(self, request, *args, **kwargs):
        # Before authentication, so that without the setting nothing but a 404
        # is ever said about this address.
        if not settings.BENCHMARK_VIEWS:
            raise exceptions.NotFound
        super().initial(request, *args, **kwargs)

    def get(self, request):
        return Response({"ok": True})

    def put(self, request):
        return Response({"ok": isinstance(request.data, dict)})
