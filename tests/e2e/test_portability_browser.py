"""Your data in a real browser: download everything from Settings, import the
file into a new account through the file picker, then delete that account with
the password and land on the neutral page, logged out."""

import json

import pytest

from accounts.models import User
from diary.models import Entry
from diary.services import symptoms_track_defaults
from tests.diary.portability.conftest import fill_account
from tests.e2e.conftest import PHONE, log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_download_import_and_delete(
    signed_in_page, make_page, alice, tmp_path, screenshots
):
    fill_account(alice, days=20)
    page = signed_in_page(alice)
    page.get_by_role("link", name="Settings").first.click()
    page.get_by_role("link", name="Your data: download all of it").click()
    with page.expect_download() as download_info:
        page.get_by_test_id("export-all").click()
    download = download_info.value
    assert download.suggested_filename.startswith("ldn-diary-all-data-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert len(data["entries"]) == 20

    newcomer = UserFactory(email="newcomer@example.org", time_zone="UTC")
    symptoms_track_defaults(user=newcomer)
    phone = make_page(viewport=PHONE)
    log_in(phone, newcomer)
    phone.goto(f"{phone.live_server_url}/your-data/")
    phone.get_by_label("Your LDN Diary export file (.json)").set_input_files(str(saved))
    phone.get_by_role("button", name="Import").click()
    phone.wait_for_url(f"{phone.live_server_url}/your-data/#main")
    assert "Your data has been imported: 20 days" in phone.content()
    assert Entry.objects.for_user(newcomer).count() == 20
    phone.screenshot(
        path=str(screenshots / "your-data-imported-phone.png"), full_page=True
    )

    phone.get_by_role("link", name="Delete your account…").click()
    phone.get_by_label("Your password").fill("not my password")
    phone.get_by_test_id("delete-account").click()
    assert "That is not your password" in phone.content()
    assert User.objects.filter(pk=newcomer.pk).exists()
    phone.get_by_label("Your password").fill(PASSWORD)
    phone.get_by_test_id("delete-account").click()
    phone.wait_for_url(f"{phone.live_server_url}/your-data/deleted/")
    assert "The account has been deleted" in phone.content()
    assert not User.objects.filter(email="newcomer@example.org").exists()
    assert Entry.objects.for_user(alice).count() == 20
    phone.goto(f"{phone.live_server_url}/your-data/")
    assert "/accounts/login/" in phone.url
