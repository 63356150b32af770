"""Money shown to people, formatted by Babel in the configured currency and locale (CLINIC_CURRENCY,
CLINIC_LOCALE; default USD and en_US), never by hand."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from flask import current_app


def format_money(amount: Decimal | float | None) -> str:
    """'$85.00' (en_US, USD); an empty string for an unknown amount."""
    if amount is None:
        return ""
    config = current_app.config
    return format_currency(amount, config.get("CLINIC_CURRENCY", "USD"), locale=config.get("CLINIC_LOCALE", "en_US"))
