"""Who may add, replace or remove a photo beside an entry: the entry's maintainers.

A photo is part of its entry (``velowerk-lorraine-shop.jpg`` beside
``velowerk-lorraine.yaml``), so ``quartier approvals`` decides a change to it
as a change to the entry: a stranger cannot swap a shop's photo unnoticed.
Real git repositories, as in tests/test_approvals.py (whose fixtures these use).
"""

from __future__ import annotations

from .test_approvals import approvals, entry, no_github, pr  # noqa: F401 - fixtures

PHOTO = "entries/ch/bern/velowerk-lorraine-shop.jpg"
FAKE_JPEG = "\xff\xd8\xff not checked here"


def test_a_stranger_cannot_add_a_photo_to_a_shop(pr, capsys) -> None:  # noqa: F811
    root = pr({PHOTO: FAKE_JPEG})
    code, out, _ = approvals(capsys, root, "mallory")
    assert code == 1
    assert out.startswith(
        f"{PHOTO}: changed by @mallory, who is not one of its maintainers (@lea-brunner)"
    )


def test_a_stranger_cannot_replace_a_shops_photo(pr, capsys) -> None:  # noqa: F811
    root = pr({PHOTO: "\xff\xd8\xff other"}, base={PHOTO: FAKE_JPEG})
    assert approvals(capsys, root, "mallory")[0] == 1


def test_the_entrys_maintainer_may_add_its_photo(pr, capsys) -> None:  # noqa: F811
    root = pr({PHOTO: FAKE_JPEG})
    code, out, _ = approvals(capsys, root, "lea-brunner")
    assert code == 0, out


def test_the_entrys_maintainer_may_remove_its_photo(pr, capsys) -> None:  # noqa: F811
    root = pr({PHOTO: None}, base={PHOTO: FAKE_JPEG})
    code, out, _ = approvals(capsys, root, "mallory", "--approved-by", "lea-brunner")
    assert code == 0, out


def test_the_longest_id_owns_the_photo(pr, capsys) -> None:  # noqa: F811
    # velowerk-lorraine-shop.jpg is velowerk-lorraine's, not an entry 'velowerk''s.
    root = pr(
        {PHOTO: FAKE_JPEG},
        base={"entries/ch/bern/velowerk.yaml": entry("velowerk", "V", 46.95, "[mallory]")},
    )
    assert approvals(capsys, root, "mallory")[0] == 1


def test_a_photo_of_a_new_entry_follows_the_new_entrys_rule(pr, capsys) -> None:  # noqa: F811
    new = {
        "entries/ch/bern/kiosk.yaml": entry("kiosk", "Kiosk", 46.95, "[newcomer]"),
        "entries/ch/bern/kiosk-front.png": "\x89PNG",
    }
    code, out, _ = approvals(capsys, pr(new), "newcomer")
    assert code == 0, out


def test_a_photo_of_no_entry_is_the_directorys(pr, capsys) -> None:  # noqa: F811
    root = pr({"entries/ch/bern/nobody-here.jpg": FAKE_JPEG})
    assert approvals(capsys, root, "mallory")[0] == 1
    assert approvals(capsys, root, "admin")[0] == 0
