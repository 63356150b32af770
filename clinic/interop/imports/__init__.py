"""Importing a clinic's existing patients and future appointments from another product's CSV export.

`reading` turns the uploaded bytes into rows (encoding, delimiter, header); `patients` and `appointments` plan
each row (create, update, unchanged, refused and why) and write the plan; `report` holds the per-row outcome
both the `flask import` commands and the admin page show.
"""
