"""Prices in the visitor's language: amounts are kept in minor units with their currency."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision
from flask_babel import format_currency


def money(minor_units: int, currency: str) -> str:
    """A price kept in minor units (cents, yen...) as the visitor's locale writes it."""
    return format_currency(Decimal(minor_units).scaleb(-get_currency_precision(currency)), currency)
