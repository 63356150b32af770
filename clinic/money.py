"""Money shown to people, formatted by Babel in the configured currency and locale (CLINIC_CURRENCY,
CLINIC_LOCALE; default USD and en_US), never by hand."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from flask import current_app, has_request_context
from flask_babel import get_locale


def format_money(amount: Decimal | float | None) -> str:
    """'$85.00' (en_US, USD); an empty string for an unknown amount."""
    if amount is None:
        return ""
    config = current_app.config
    locale = config.get("CLINIC_LOCALE", "en_US")
    chosen = get_locale() if has_request_context() else None
    if chosen is not None and chosen.language != locale.split("_")[0]:
        locale = chosen  # a patient reading Spanish sees "85,00 US$"
    return format_currency(amount, config.get("CLINIC_CURRENCY", "USD"), locale=locale)
