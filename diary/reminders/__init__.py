"""Opt-in daily check-in reminders by e-mail, at the user's local time."""
