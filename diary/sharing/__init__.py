"""Read-only share links a patient gives their doctor: scoped, expiring,
revocable, with an access log the patient can see."""
