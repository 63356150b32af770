"""Outcome scores next to home-routine adherence: the chart's trend, the clinic report, the patient's progress."""
