"""The field checks: fast paths agree with the libraries they stand in for; refusals."""

from __future__ import annotations

from typing import Any

import email_validator
import pytest
from email_validator import EmailNotValidError, validate_email

from quartier.fields import (
    _SPECIAL_USE,
    check_email,
    check_plain_line,
    check_slug,
    check_text,
    check_url,
    windows_reserved,
)

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


@pytest.mark.parametrize(
    "url",
    [
        "https://real-host.ch@attacker.ch/",
        "https://user:pass@attacker.ch/shop",
        "http://@attacker.ch",
        "https://real-host.ch\\@attacker.ch/",
        "https://real-host.ch%40x@attacker.ch/",
    ],
)
def test_check_url_refuses_a_user_name(url: str) -> None:
    """A user name before '@' makes an address look like another host's."""
    with pytest.raises(ValueError, match="has a user name before '@'") as exc:
        check_url(url)
    assert exc.value.args[1].startswith("write the address without it, like http")
    assert "attacker.ch" in exc.value.args[1] and "real-host" not in exc.value.args[1]


@pytest.mark.parametrize("url", ["https://velowerk.ch/@velowerk", "https://x.ch/?mail=a@b.ch"])
def test_check_url_keeps_an_at_sign_after_the_host(url: str) -> None:
    assert check_url(url) == url


WINDOWS_DEVICES = ["con", "prn", "aux", "nul"] + [
    f"{port}{digit}" for port in ("com", "lpt") for digit in range(10)
]


@pytest.mark.parametrize("name", WINDOWS_DEVICES)
def test_ids_windows_reserves_are_refused(name: str) -> None:
    assert windows_reserved(name) and windows_reserved(f"{name}.yaml")
    assert windows_reserved(name.upper() + ".tar.gz")
    with pytest.raises(ValueError, match="a name Windows reserves"):
        check_slug(name)


@pytest.mark.parametrize("name", ["con-bern", "com10", "lpt", "console", "nul1", "aux-velo"])
def test_ids_that_only_start_like_a_device_are_fine(name: str) -> None:
    assert not windows_reserved(name) and check_slug(name) == name


@pytest.mark.parametrize(
    "char",
    ["\r", "\x1b", "\x85", "\x9b", "\u2028", "\u2029", "\u202e", "\u200f", "\ufffe", "\x0c"],
)
def test_texts_refuse_characters_that_move_a_terminal_or_hide_a_line(char: str) -> None:
    # "Aare\rEVIL" printed by `quartier search` overwrote the line with EVIL.
    with pytest.raises(ValueError, match="invisible control or text-direction"):
        check_plain_line(f"Aare{char}EVIL")
    with pytest.raises(ValueError, match="invisible control or text-direction"):
        check_text(f"Line one\nAare{char}EVIL")
    assert check_text("Line one\n\tLine two, Café ☕ 👩‍🍳") == "Line one\n\tLine two, Café ☕ 👩‍🍳"


@pytest.mark.parametrize(
    "url",
    [
        "https://velowerk.ch",
        "https://velowerk.ch/",
        "http://a-b.example.ch:8080/x?y=1#z",
        "https://xn--velowrk-6nf.ch/",
        "https://velowerk.ch/@shop",
        "https://real.ch@attacker.ch/",
        "https://real.ch\\@attacker.ch/",
        "https://Velowerk.CH/",
        "https://localhost/",
        "https://.velowerk.ch/",
        "https://velowerk.ch./",
        "https://velo werk.ch/",
        "https://velowerk.ch/a b",
        "javascript://velowerk.ch/%0aalert(1)",
        "ftp://velowerk.ch/",
        "https://-velowerk.ch/",
        "https://velowerk.ch:99999/",
        "https://münster.de/",
    ],
)
def test_the_fast_url_path_agrees_with_the_full_check(url: str) -> None:
    from quartier.fields import _check_url_in_full

    def outcome(check: Any) -> str:
        try:
            return str(check(url))
        except ValueError as exc:
            return f"refused: {exc.args[0]}"

    assert outcome(check_url) == outcome(_check_url_in_full)


@pytest.mark.parametrize(
    "url",
    [
        "https://velowerk.ch/\x1b[2J\x1b]0;PWNED\x07",
        "https://velowerk.ch/\u202eevil",
        "https://velowerk.ch/\x9b31m",
        "https://velowerk-lorraine.ch\u3002",
        "https://velowerk-lorraine\uff0ech/",
        "https://velowerk-lorraine\uff61ch/",
        "https://velowerk-lorraine%2ech/",
    ],
)
def test_web_addresses_refuse_escapes_and_odd_dots(url: str) -> None:
    with pytest.raises(ValueError):
        check_url(url)


@pytest.mark.parametrize("suffix", ["\u202e", "\x9b", "\x85", "\u2028", "\x1b[2J"])
def test_a_phone_number_refuses_control_characters(suffix: str) -> None:
    from pydantic import ValidationError

    from quartier.model import Contact

    ok = Contact.model_validate({"phone": "031 332 11 22"}, context={"country": "CH"})
    assert ok.phone == "031 332 11 22"
    with pytest.raises(ValidationError, match="invisible control"):
        phone = f"031 332{suffix} 11 22"  # inside: a trailing line separator is stripped
        Contact.model_validate({"phone": phone}, context={"country": "CH"})
