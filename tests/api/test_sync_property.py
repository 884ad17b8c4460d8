"""Offline sync as a property: two phones of one user, each with its own copy of
the diary, create, edit and delete entries and crashes in any order, lose
responses and send requests again, pull now and then, and resolve conflicts the
way the API tells them to (a 412 carries the server's current version).
Whatever the sequence, when both phones pull at the end:

- each phone's copy is exactly the server's state (as the resource endpoints
  show it);
- there are no duplicates: one entry per day, every uuid once;
- a deleted object never comes back: once it has a tombstone, no later server
  state holds it, and creating it again with its uuid answers 410.
"""

import datetime
import itertools
import uuid as uuid_lib
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary.models import Crash, Entry, Tombstone, TrackedSymptom
from diary.services import symptoms_track_defaults
from tests.api.conftest import bearer_client
from tests.api.test_sync import assert_same_as_server, empty_store, pull, server_state
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAYS = 4  # few days, so the phones often write the same day
CRASH_DAYS = 8
TEXT = st.text(alphabet="abcdefghij ", max_size=8)
_users = itertools.count()


def etag(body: dict) -> str:
    return f'"{body["uuid"]}.{body["sync_version"]}"'


@dataclass
class Phone:
    """One device: its API client, its copy of the diary and its sync cursor."""

    client: object
    store: dict = field(default_factory=empty_store)
    cursor: str | None = None

    # Requests --------------------------------------------------------------

    def send(self, method: str, url: str, body=None, *, if_match=None, twice=False):
        """Send a request; with ``twice``, the first answer is lost on the way
        and the phone sends the same request again."""
        headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
        call = getattr(self.client, method)
        for _attempt in range(2 if twice else 1):
            response = call(url, body, format="json", **headers)
        assert response.status_code < 500, response.content
        return response

    def replace(self, kind: str, old_uuid: str | None, body: dict | None) -> None:
        """Drop the phone's copy ``old_uuid`` and keep ``body`` (if any)."""
        if old_uuid is not None:
            self.store[kind].pop(old_uuid, None)
        if body is not None:
            self.store[kind][body["uuid"]] = body

    def pull(self) -> None:
        self.cursor, _pages = pull(self.client, self.store, self.cursor)

    def entry_on(self, day: str) -> dict | None:
        """The phone's copy of that day's entry (the newest if it has two, as a
        phone may until it pulls)."""
        copies = [e for e in self.store["entries"].values() if e["date"] == day]
        return max(copies, key=lambda e: e["sync_version"], default=None)

    # Operations -------------------------------------------------------------

    def put_entry(self, day, notes, score, new_uuid, twice, retry_on_conflict, world):
        """Log a day (PUT): based on the phone's copy if it has one (If-Match),
        else as a new entry with a uuid the phone made."""
        local = self.entry_on(day)
        body = {
            "uuid": local["uuid"] if local else str(new_uuid),
            "notes": notes,
            "scores": [{"symptom": world.symptom, "score": score}],
        }
        url = reverse("api:entry-detail", args=[day])
        if_match = etag(local) if local else None
        response = self.send("put", url, body, if_match=if_match, twice=twice)
        if local is None and self._uuid_refused(response):
            body["uuid"] = str(uuid_lib.uuid4())
            response = self.send("put", url, body)
        self._settle("entries", response, local, retry_on_conflict, url, "put", body)

    def post_crash(self, start, severity, new_uuid, twice):
        body = {"uuid": str(new_uuid), "start_date": start, "severity": severity}
        url = reverse("api:crash-list")
        response = self.send("post", url, body, twice=twice)
        if self._uuid_refused(response):
            body["uuid"] = str(uuid_lib.uuid4())
            response = self.send("post", url, body, twice=twice)
        assert response.status_code in (200, 201), response.content
        if twice:
            assert response.status_code == 200  # the retry answered the first one
        self.replace("crashes", None, response.json())

    def edit(self, kind, pick, value, twice, retry_on_conflict):
        local = self._pick(kind, pick)
        if local is None:
            return
        if kind == "entries":
            url = reverse("api:entry-detail", args=[local["date"]])
            body = {"notes": value}
        else:
            url = reverse("api:crash-detail", args=[local["uuid"]])
            body = {"severity": 1 + len(value) % 4}
        response = self.send("patch", url, body, if_match=etag(local), twice=twice)
        self._settle(kind, response, local, retry_on_conflict, url, "patch", body)

    def delete(self, kind, pick, use_if_match, twice):
        local = self._pick(kind, pick)
        if local is None:
            return
        if kind == "entries":
            url = reverse("api:entry-detail", args=[local["date"]])
        else:
            url = reverse("api:crash-detail", args=[local["uuid"]])
        response = self.send(
            "delete", url, if_match=etag(local) if use_if_match else None, twice=twice
        )
        if response.status_code in (204, 404):
            self.replace(kind, local["uuid"], None)
        else:
            assert response.status_code == 412, response.content
            self.replace(kind, local["uuid"], response.json()["current"])

    # Helpers ----------------------------------------------------------------

    def _pick(self, kind: str, pick: int) -> dict | None:
        items = sorted(self.store[kind])
        return self.store[kind][items[pick % len(items)]] if items else None

    @staticmethod
    def _uuid_refused(response) -> bool:
        """The uuid the phone made is taken or was deleted (uuids come from a
        small pool here, so that they clash): it makes another one."""
        if response.status_code == 410:
            return True
        return response.status_code == 400 and "uuid" in response.json()["errors"]

    def _settle(self, kind, response, local, retry_on_conflict, url, method, body):
        """Keep what the server answered. On 412 take the server's version and,
        if the user still wants the change, apply it again on top of it."""
        old_uuid = local["uuid"] if local else None
        status = response.status_code
        if status in (200, 201):
            self.replace(kind, old_uuid, response.json())
            return
        if status in (404, 410):
            # Deleted on the server meanwhile: the phone's copy goes too.
            self.replace(kind, old_uuid, None)
            return
        assert status == 412, response.content
        current = response.json()["current"]
        self.replace(kind, old_uuid, current)
        if not retry_on_conflict or (current is None and method == "patch"):
            return
        body = dict(body)
        if "uuid" in body:
            if current is None:
                body.pop("uuid")  # the day's entry was deleted: a new one
            else:
                body["uuid"] = current["uuid"]
        response = self.send(
            method, url, body, if_match=etag(current) if current else None
        )
        assert response.status_code in (200, 201), response.content
        self.replace(kind, current["uuid"] if current else None, response.json())


@dataclass
class World:
    user: object
    phones: list[Phone]
    symptom: str
    namespace: uuid_lib.UUID
    buried: set = field(default_factory=set)

    def uuid(self, number: int) -> uuid_lib.UUID:
        """The phones' uuids come from a small pool per user, so that they
        sometimes clash (as a buggy app's might)."""
        return uuid_lib.uuid5(self.namespace, str(number))

    def check_the_dead_stay_dead(self) -> None:
        tombstones = set(
            Tombstone.objects.for_user(self.user).values_list("kind", "uuid")
        )
        assert self.buried <= tombstones  # a tombstone is forever
        self.buried = tombstones
        for kind, model in (
            (Tombstone.Kind.ENTRY, Entry),
            (Tombstone.Kind.CRASH, Crash),
        ):
            dead = [u for k, u in tombstones if k == kind]
            assert not model.objects.filter(uuid__in=dead).exists(), kind


def fresh_world() -> World:
    user = UserFactory(email=f"sync{next(_users)}@example.org")
    symptoms_track_defaults(user=user)
    symptom = TrackedSymptom.objects.for_user(user).in_order().first().symptom
    phones = [Phone(bearer_client(user, name=name)) for name in ("phone", "tablet")]
    return World(
        user=user,
        phones=phones,
        symptom=str(symptom.uuid),
        namespace=uuid_lib.uuid5(uuid_lib.NAMESPACE_URL, user.email),
    )


# ------------------------------------------------------------------ operations

PHONE = st.integers(0, 1)
NEW_UUID = st.integers(0, 30)
KIND = st.sampled_from(["entries", "crashes"])
OPERATIONS = st.one_of(
    st.tuples(
        st.just("put_entry"),
        PHONE,
        st.integers(0, DAYS - 1),
        TEXT,
        st.one_of(st.none(), st.integers(0, 10)),
        NEW_UUID,
        st.booleans(),
        st.booleans(),
    ),
    st.tuples(
        st.just("post_crash"),
        PHONE,
        st.integers(0, CRASH_DAYS - 1),
        st.integers(1, 4),
        NEW_UUID,
        st.booleans(),
    ),
    st.tuples(
        st.just("edit"),
        PHONE,
        KIND,
        st.integers(0, 20),
        TEXT,
        st.booleans(),
        st.booleans(),
    ),
    st.tuples(
        st.just("delete"), PHONE, KIND, st.integers(0, 20), st.booleans(), st.booleans()
    ),
    st.tuples(st.just("pull"), PHONE),
)


def run(world: World, operation: tuple) -> None:
    name, phone_index, *args = operation
    phone = world.phones[phone_index]
    today = world.user.local_today()
    if name == "put_entry":
        day, notes, score, new_uuid, twice, retry = args
        day_text = str(today - datetime.timedelta(days=day))
        phone.put_entry(
            day_text, notes, score, world.uuid(new_uuid), twice, retry, world
        )
    elif name == "post_crash":
        start, severity, new_uuid, twice = args
        start_text = str(today - datetime.timedelta(days=start))
        phone.post_crash(start_text, severity, world.uuid(new_uuid), twice)
    elif name == "edit":
        phone.edit(*args)
    elif name == "delete":
        phone.delete(*args)
    else:
        phone.pull()


@settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=6, max_size=40))
def test_two_phones_end_equal_to_the_server_whatever_they_did(db, operations):
    world = fresh_world()
    for operation in operations:
        run(world, operation)
        world.check_the_dead_stay_dead()

    for phone in world.phones:
        phone.pull()
    first, second = world.phones
    assert first.store == second.store
    assert_same_as_server(first.store, first.client)

    # No duplicates: one entry per day, and every uuid once.
    state = server_state(first.client)
    dates = [e["date"] for e in state["entries"].values()]
    assert len(dates) == len(set(dates))
    assert Entry.objects.filter(user=world.user).count() == len(state["entries"])
    assert Crash.objects.filter(user=world.user).count() == len(state["crashes"])

    # The dead stay dead: creating them again with their uuid is 410.
    world.check_the_dead_stay_dead()
    for kind, uuid in world.buried:
        if kind == Tombstone.Kind.ENTRY:
            day = str(world.user.local_today() - datetime.timedelta(days=DAYS + 1))
            response = first.client.put(
                reverse("api:entry-detail", args=[day]),
                {"uuid": str(uuid), "notes": "again"},
                format="json",
            )
        elif kind == Tombstone.Kind.CRASH:
            response = first.client.post(
                reverse("api:crash-list"),
                {
                    "uuid": str(uuid),
                    "start_date": str(world.user.local_today()),
                    "severity": 1,
                },
                format="json",
            )
        else:
            continue
        assert response.status_code == 410, (kind, response.content)


def test_a_lost_response_to_a_create_never_makes_a_second_one(alice):
    """The property's building block, on its own: the same POST twice."""
    phone = Phone(bearer_client(alice))
    new = uuid_lib.uuid4()
    phone.post_crash(str(alice.local_today()), 2, new, twice=True)
    assert Crash.objects.filter(user=alice).count() == 1
    assert list(phone.store["crashes"]) == [str(new)]
