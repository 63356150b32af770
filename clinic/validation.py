"""What a service raises when input breaks a rule, and how a view shows it beside the right field.

Every feature's services raise `Invalid({"field path": "message"})`; views call `attach_problems(form,
error.problems)` and re-render the form with the user's input kept.
"""

from __future__ import annotations


class Invalid(Exception):
    """The input breaks a rule; `problems` maps a form field path ("products-0-lot_number") to a message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def attach_problems(form, problems: dict[str, str]) -> None:
    """Show each service problem beside its field ("products-0-lot_number" → that row's lot field)."""
    for path, message in problems.items():
        field = _find_field(form, path)
        if field is None:
            form.form_errors.append(message)
            continue
        field.errors = [*field.errors, message]
        head = path.partition("-")[0]
        if head != path and head in form:  # a FieldList keeps its own copy of its rows' errors
            form[head].errors = [entry.errors for entry in form[head].entries]


def _find_field(form, path: str):
    if path in form:
        return form[path]
    head, _, rest = path.partition("-")
    index, _, sub = rest.partition("-")
    if head in form and index.isdigit():
        entries = form[head].entries
        if int(index) < len(entries) and sub in entries[int(index)].form:
            return entries[int(index)].form[sub]
    return None
