"""The field checks' fast paths agree with the libraries they stand in for."""

from __future__ import annotations

import email_validator
import pytest
from email_validator import EmailNotValidError, validate_email

from quartier.fields import _SPECIAL_USE, check_email

ADDRESSES = [
    "hallo@velowerk.ch",
    "hallo@Velowerk.CH",
    "a.b+c@sub.example.com",
    "first_last-1@mail.example.co.uk",
    "Info@Example.CH",  # the library lowercases some mailbox names
    "info@example.ch",
    "Postmaster@example.org",
    "x@localhost.ch",
    "x@a.test",
    "x@foo.local",
    "x@mail.onion",
    "x@1.2.3.4",
    "x@ex--ample.ch",
    "x@xn--bcher-kva.ch",
    "x@example.c0m",
    "x@ex.a",
    "x@ex.ab",
    "x@-ex.ch",
    "x@ex-.ch",
    "x@ex..ch",
    ".x@ex.ch",
    "x.@ex.ch",
    "x..y@ex.ch",
    "x@ex",
    "x@.ex.ch",
    "müller@bäckerei.ch",
    '"quoted"@example.ch',
    "a" * 64 + "@example.ch",
    "a" * 65 + "@example.ch",
    "x@" + "a" * 63 + ".ch",
    "x@" + "a" * 64 + ".ch",
    "x@" + ".".join(["abcdefghi"] * 25) + ".ch",
    "x@" + ".".join(["abcdefghij"] * 23) + ".ch",
    "  spaced@example.ch ",
    "two@@example.ch",
    "x y@example.ch",
]


def library(text: str) -> str | None:
    try:
        return str(validate_email(text.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def ours(text: str) -> str | None:
    try:
        return check_email(text)
    except ValueError:
        return None


@pytest.mark.parametrize("address", ADDRESSES)
def test_check_email_agrees_with_email_validator(address: str) -> None:
    assert ours(address) == library(address)


def test_special_use_names_match_the_library() -> None:
    assert set(email_validator.SPECIAL_USE_DOMAIN_NAMES) == _SPECIAL_USE
