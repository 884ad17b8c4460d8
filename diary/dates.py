"""The earliest date the diary accepts, for every way a date comes in.

Nobody logs a symptom before 1900, and dates near year 1 break arithmetic
(``date.min - timedelta(days=1)`` raises OverflowError), so a typo such as
"0001-01-01" would be stored and later answer 500 on every page that shows it.
Forms (``diary.forms.fields``) and API serializers
(``config.api.fields.DiaryDateField``) refuse anything before :data:`EARLIEST_DATE`
with :data:`TOO_EARLY_MESSAGE`; date URLs (``diary.urls.IsoDateConverter``) match
only :data:`EARLIEST_DATE` .. :data:`LATEST_DATE` (anything else is a 404).
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1900, 1, 1)
# Far enough for any real use, and far from date.max so that a week or a year
# can still be added to it.
LATEST_DATE = datetime.date(9000, 12, 31)
TOO_EARLY_MESSAGE = _("Dates before 1 January 1900 are not accepted. Check the year.")


def in_range(value: datetime.date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def validate_diary_date(value) -> None:
    """A Django validator: refuse dates before 1900. (Future dates are the
    services' to refuse, with their own message.)"""
    if not isinstance(value, datetime.date):
        return
    if isinstance(value, datetime.datetime):
        value = value.date()
    if value < EARLIEST_DATE:
        raise ValidationError(TOO_EARLY_MESSAGE, code="date_too_early")
