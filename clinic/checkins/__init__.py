"""Aftercare check-ins on day 1, 3 and 7: the patient's answers, red flags to the treating dermatologist."""
