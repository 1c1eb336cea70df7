"""quartier federate against real members: directories built by quartier build, served on loopback.

Three members (aare, matte: businesses in Bern; sc: in Santa Cruz), each
built from a few of the sample's entries and served by its own
``http.server`` on 127.0.0.1 (tests/fed_support.py), and an aggregate
listing them. ``aare`` is also built a second time with one record changed,
one added and one removed (v2, continuing v1's changes feed).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from quartier.cli import main
from quartier.directory import load_context
from quartier.federation import mirror
from quartier.federation.report import as_json, text
from quartier.federation.run import Report, federate

from .conftest import SAMPLE, copy_entry
from .fed_support import Site, body, hang, oversized, redirect, sites, status, truncated

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
BERN, SC = SAMPLE / "entries" / "ch" / "bern", SAMPLE / "entries" / "us" / "santa-cruz"
MEMBERS = {
    "aare": [BERN / f"{n}.yaml" for n in ("aare-roestwerk", "erdwerk-keramik", "kafi-zwischenhalt")]
    + [BERN / "velowerk-lorraine.yaml"],
    "matte": [BERN / f"{n}.yaml" for n in ("holzofebeck-breitsch", "wildwuchs-blumen")]
    + [BERN / "nadel-und-faden-mattenhof.yaml"],
    "sc": [SC / f"{n}.yaml" for n in ("mission-circuit-repair", "seabright-hearth-cafe")]
    + [SC / "redwood-bench-joinery.yaml"],
}
MANIFEST = "api/v1/index.json"


def build(repo: Path, out: Path, *extra: str) -> Path:
    argv = ["build", "--root", str(repo), "--out", str(out), "--no-site", "--quiet", *extra]
    assert main([*argv, "--commit", "1" * 40]) == 0
    return out


def member_repo(folder: Path, name: str, files: list[Path]) -> Path:
    folder.mkdir(parents=True)
    settings = (SAMPLE / "directory.yaml").read_text(encoding="utf-8")
    settings = settings.replace(
        "https://quartier-dev.github.io/quartier/", f"https://{name}.example.org/"
    )
    settings = settings.replace("name: Quartier Sample Directory", f"name: {name.title()} lokal")
    (folder / "directory.yaml").write_text(settings, encoding="utf-8")
    for f in files:
        target = folder / "entries" / f.relative_to(SAMPLE / "entries")
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_entry(f, target.parent)  # with its photos
    return folder


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Published builds: aare, matte, sc (v1) and aare-v2 (changed, added, removed)."""
    base = tmp_path_factory.mktemp("members")
    out: dict[str, Path] = {}
    for name, files in MEMBERS.items():
        out[name] = build(member_repo(base / name, name, files), base / f"{name}-out")
    repo = base / "aare"
    entries = repo / "entries" / "ch" / "bern"
    kafi = entries / "kafi-zwischenhalt.yaml"
    kafi.write_text(
        kafi.read_text(encoding="utf-8").replace("name: Kafi Zwischenhalt", "name: Kafi Halt"),
        encoding="utf-8",
    )
    (entries / "erdwerk-keramik.yaml").unlink()
    shutil.copy(BERN / "zweitlauf-vintage.yaml", entries)
    out["aare-v2"] = build(repo, base / "aare-v2-out", "--previous", str(out["aare"]))
    return out


def aggregate(tmp_path: Path, urls: dict[str, str], extra: str = "") -> Path:
    root = tmp_path / "aggregate"
    root.mkdir(exist_ok=True)
    text_ = (SAMPLE / "directory.yaml").read_text(encoding="utf-8")
    text_ += "members:\n" + "".join(
        f"  - id: {mid}\n    url: {url}\n    license: CC0-1.0\n" for mid, url in urls.items()
    )
    (root / "directory.yaml").write_text(text_ + extra, encoding="utf-8")
    return root


def run(root: Path, now: datetime = NOW, **kw: object) -> Report:
    ctx, problems = load_context(root)
    assert ctx is not None, problems
    return federate(root, ctx, now=now, **kw)  # type: ignore[arg-type]


def served(folder: Path, tmp_path: Path, name: str) -> Path:
    """A copy of a build that a test may change."""
    copy = tmp_path / f"served-{name}"
    shutil.copytree(folder, copy)
    return copy


def outcome(report: Report, member: str):  # type: ignore[no-untyped-def]
    return next(o for o in report.outcomes if o.member == member)


def mirrored(root: Path) -> dict[str, bytes]:
    """Every file of the mirror's records, to compare before and after a fault."""
    base = root / mirror.FOLDER
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("records-*.jsonl"))}


def ids(root: Path) -> list[str]:
    ctx, _ = load_context(root)
    assert ctx is not None
    return [fid for fid, _, _ in mirror.records(root, ctx.config)]


# --- first federation, then incremental ------------------------------------------------


def test_first_then_unchanged_then_one_member_changed(
    builds: dict[str, Path], tmp_path: Path
) -> None:
    aare = served(builds["aare"], tmp_path, "aare")
    with sites(aare, builds["matte"], builds["sc"]) as (a, m, s):
        root = aggregate(tmp_path, {"aare": a.url, "matte": m.url, "sc": s.url})
        first = run(root)
        assert [(o.member, o.status, o.new, len(o.invalid)) for o in first.outcomes] == [
            ("aare", "updated", 4, 0),
            ("matte", "updated", 3, 0),
            ("sc", "updated", 3, 0),
        ]
        assert ids(root) == sorted(
            f"{mid}--{f.stem}" for mid, files in MEMBERS.items() for f in files
        )
        assert sorted(a.requests()) == sorted(
            [MANIFEST] + [f"api/v1/entries/{f.stem}.json" for f in MEMBERS["aare"]]
        )
        m.requests()
        s.requests()

        # Nothing changed: one conditional request per member, answered 304.
        second = run(root, NOW + timedelta(hours=1))
        assert [(o.status, o.requests) for o in second.outcomes] == [("unchanged", 1)] * 3
        for site in (a, m, s):
            assert site.conditional == [MANIFEST]
            assert site.requests() == [MANIFEST]

        # aare changed one record, added one and removed one (its v2 build).
        shutil.rmtree(aare)
        shutil.copytree(builds["aare-v2"], aare)
        third = run(root, NOW + timedelta(days=1))
        o = outcome(third, "aare")
        assert (o.status, o.via, o.new, o.changed, o.unchanged, o.removed) == (
            "updated", "changes", 1, 1, 2, 1,
        )  # fmt: skip
        assert sorted(a.requests()) == [
            "api/v1/changes/2.json",
            "api/v1/changes/state.json",
            "api/v1/entries/kafi-zwischenhalt.json",
            "api/v1/entries/zweitlauf-vintage.json",
            MANIFEST,
        ]
        assert [(x.status, x.requests) for x in third.outcomes[1:]] == [("unchanged", 1)] * 2
        assert "aare--zweitlauf-vintage" in ids(root)
        assert "aare--erdwerk-keramik" not in ids(root)
        ctx, _ = load_context(root)
        assert ctx is not None
        assert mirror.gone(root, ctx.config) == [
            mirror.Gone(
                "aare--erdwerk-keramik", "aare", "erdwerk-keramik", "2026-11-25", "2026-12-25"
            )
        ]
        kafi = next(
            e for fid, e, _ in mirror.records(root, ctx.config) if fid == "aare--kafi-zwischenhalt"
        )
        assert orjson.loads(kafi)["name"] == "Kafi Halt"
        source = next(
            src
            for fid, _, src in mirror.records(root, ctx.config)
            if fid == "aare--kafi-zwischenhalt"
        )
        assert source.record_url == a.url + "api/v1/entries/kafi-zwischenhalt.json"
        assert source.page_url == "https://aare.example.org/businesses/kafi-zwischenhalt/"
        assert source.source_commit == "1" * 40 and source.name == "Aare lokal"
        assert source.fetched_at == "2026-11-25T12:00:00Z"
        assert source.upstream is not None and source.upstream["directory"] == "Aare lokal"
        copy = next(c for c in mirror.copies(root, ctx.config) if c.member == "aare")
        assert (copy.sequence, copy.records, copy.gone, copy.error) == (2, 4, 1, None)


def test_without_a_usable_changes_feed_the_manifest_diff_decides(
    builds: dict[str, Path], tmp_path: Path
) -> None:
    aare = served(builds["aare"], tmp_path, "aare")
    with Site(aare) as a:
        root = aggregate(tmp_path, {"aare": a.url})
        run(root)
        state = mirror.read_state(root, "aare")
        assert state is not None and state.sequence == 1
        state.lineage = "0" * 32  # as if the member had started a new sequence
        mirror.write(root, state)
        shutil.rmtree(aare)
        shutil.copytree(builds["aare-v2"], aare)
        a.requests()
        o = outcome(run(root), "aare")
        assert (o.via, o.new, o.changed, o.removed) == ("manifest", 1, 1, 1)
        assert sorted(a.requests()) == [
            "api/v1/entries/kafi-zwischenhalt.json",
            "api/v1/entries/zweitlauf-vintage.json",
            MANIFEST,
        ]


def test_a_feed_that_disagrees_with_the_manifest_is_not_trusted(
    builds: dict[str, Path], tmp_path: Path
) -> None:
    # A changes file that names no changes, with the manifest's hash of it kept right:
    # the records it leaves out are still found by the manifest diff.
    aare = served(builds["aare"], tmp_path, "aare")
    with Site(aare) as a:
        root = aggregate(tmp_path, {"aare": a.url})
        run(root)
        shutil.rmtree(aare)
        shutil.copytree(builds["aare-v2"], aare)
        diff = aare / "api/v1/changes/2.json"
        data = json.loads(diff.read_bytes())
        data["changed"] = {}
        retouch(aare, "api/v1/changes/2.json", json.dumps(data).encode())
        o = outcome(run(root), "aare")
        assert (o.via, o.new, o.changed, o.removed) == ("manifest", 1, 1, 1)


def retouch(build_dir: Path, rel: str, data: bytes) -> None:
    """Replace a published file and its sha256 in the manifest (a consistent member)."""
    (build_dir / rel).write_bytes(data)
    manifest_path = build_dir / MANIFEST
    manifest = json.loads(manifest_path.read_bytes())
    manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest_path.write_bytes(json.dumps(manifest).encode())


# --- faults: the last good copy stays ---------------------------------------------------


def _fault_cases(site: Site, v2: Path) -> dict[str, tuple[str, object]]:
    kafi = "api/v1/entries/kafi-zwischenhalt.json"
    manifest = json.loads((v2 / MANIFEST).read_bytes())
    newer = dict(manifest, contract_version="2.0")
    by = dict(manifest, directory=dict(manifest["directory"], license="CC-BY-4.0"))
    return {
        "500": (MANIFEST, status(500)),
        "404": (MANIFEST, status(404)),
        "truncated": (kafi, truncated(site, kafi)),
        "malformed": (MANIFEST, body(b'{"files": {')),
        "hash": (kafi, body((v2 / kafi).read_bytes().replace(b"Kafi Halt", b"Kafi Hult"))),
        "oversized": (kafi, oversized(2 << 20)),
        "redirect-loop": (MANIFEST, redirect("/" + MANIFEST)),
        "redirect-away": (MANIFEST, redirect("http://localhost:9/" + MANIFEST)),
        "contract": (MANIFEST, body(json.dumps(newer).encode())),
        "license": (MANIFEST, body(json.dumps(by).encode())),
    }


FAULTS = {
    "500": ("http", "HTTP 500 Internal Server Error"),
    "404": ("not_found", "HTTP 404 Not Found"),
    "truncated": ("truncated", "the connection ended after"),
    "malformed": ("malformed", "api/v1/index.json: not JSON"),
    "hash": ("hash", "its sha256 is not the one the member's manifest gives"),
    "oversized": ("oversized", "more than 1 MiB, the limit for this file"),
    "redirect-loop": ("redirect", "redirected more than 5 times"),
    "redirect-away": ("redirect", "another site"),
    "contract": ("contract", "publishes entry contract 2.0; this quartier reads up to 1.3"),
    "license": ("license", "the license changed from CC0-1.0 to CC-BY-4.0"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_keeps_the_last_good_copy(
    builds: dict[str, Path], tmp_path: Path, fault: str
) -> None:
    aare = served(builds["aare"], tmp_path, "aare")
    with sites(aare, builds["matte"]) as (a, m):
        root = aggregate(tmp_path, {"aare": a.url, "matte": m.url})
        run(root)
        before, before_ids = mirrored(root), ids(root)
        shutil.rmtree(aare)
        shutil.copytree(builds["aare-v2"], aare)  # a change the fault must not half-apply
        path, handler = _fault_cases(a, builds["aare-v2"])[fault]
        a.fault[path] = handler  # type: ignore[assignment]
        report = run(root, NOW + timedelta(days=2))
        kind, words = FAULTS[fault]
        o = outcome(report, "aare")
        assert (o.status, o.fault_kind) == ("failed", kind), o.fault
        assert words in (o.fault or "")
        assert mirrored(root) == before and ids(root) == before_ids
        assert outcome(report, "matte").status == "unchanged"  # the others go on
        shown = text(report)
        assert f"aare: {o.fault}" in shown and "2 d old (kept)" in shown
        state = mirror.read_state(root, "aare")
        assert state is not None and state.error == o.fault
        assert (state.fetched_at, state.checked_at) == (
            "2026-11-24T12:00:00Z",
            "2026-11-26T12:00:00Z",
        )
        entry = as_json(report)["members"][0]
        assert (entry["status"], entry["age_seconds"]) == ("failed", 2 * 86400)
        # Once the member is well again, the change arrives, nothing lost.
        a.fault.clear()
        again = outcome(run(root, NOW + timedelta(days=3)), "aare")
        assert (again.status, again.new, again.changed, again.removed) == ("updated", 1, 1, 1)
        assert mirror.read_state(root, "aare").error is None  # type: ignore[union-attr]


def test_a_member_that_is_down_or_too_slow(builds: dict[str, Path], tmp_path: Path) -> None:
    with sites(builds["aare"], builds["matte"]) as (a, m):
        root = aggregate(tmp_path, {"aare": a.url, "matte": m.url})
        run(root)
        before = mirrored(root)
        m.fault[MANIFEST] = hang(30)
        a.__exit__()  # the server is gone: connection refused
        report = run(root, NOW + timedelta(hours=5), deadline_s=1.0)
        down, slow = outcome(report, "aare"), outcome(report, "matte")
        assert (down.status, down.fault_kind) == ("failed", "down")
        assert "cannot fetch it" in (down.fault or "") and "refused" in (down.fault or "")
        assert (slow.status, slow.fault_kind) == ("failed", "deadline")
        assert "not fetched within 1 s" in (slow.fault or "")
        assert mirrored(root) == before
        assert "5 h old (kept)" in text(report)


def test_a_member_never_fetched_that_fails_has_no_copy(tmp_path: Path) -> None:
    with Site(tmp_path) as s:  # an empty folder: the manifest is 404
        root = aggregate(tmp_path, {"empty": s.url})
        report = run(root)
    o = outcome(report, "empty")
    assert (o.status, o.fault_kind, o.records, o.fetched_at) == ("failed", "not_found", 0, None)
    assert "none" in text(report).splitlines()[1]
    assert list(mirror.records(root, load_context(root)[0].config)) == []  # type: ignore[union-attr]


# --- invalid records ----------------------------------------------------------------------


def test_invalid_records_are_skipped_and_reported(builds: dict[str, Path], tmp_path: Path) -> None:
    sc = served(builds["sc"], tmp_path, "sc")
    rel = "api/v1/entries/seabright-hearth-cafe.json"
    record = json.loads((sc / rel).read_bytes())
    record["entry"]["contact"]["website"] = "javascript:alert(1)"
    retouch(sc, rel, json.dumps(record).encode())
    rel2 = "api/v1/entries/redwood-bench-joinery.json"
    record2 = json.loads((sc / rel2).read_bytes())
    record2["entry"]["location"]["geo"] = {"lat": 48.85, "lon": 2.35}  # Paris: not our region
    retouch(sc, rel2, json.dumps(record2, indent=1).encode())
    with Site(sc) as s:
        root = aggregate(tmp_path, {"sc": s.url})
        report = run(root)
        o = outcome(report, "sc")
        assert (o.status, o.new) == ("updated", 1)
        problems = {i.id: i.problem for i in o.invalid}
        assert sorted(problems) == ["redwood-bench-joinery", "seabright-hearth-cafe"]
        assert problems["seabright-hearth-cafe"].startswith("contact.website (1:")
        assert "location.geo (" in problems["redwood-bench-joinery"]
        assert "outside" in problems["redwood-bench-joinery"]
        assert ids(root) == ["sc--mission-circuit-repair"]
        shown = text(report)
        assert "2 invalid records (skipped, never published):" in shown
        assert "  sc--seabright-hearth-cafe: contact.website (1:" in shown
        # Unchanged invalid records are not fetched again, and still reported.
        s.requests()
        state = mirror.read_state(root, "sc")
        assert state is not None
        state.etag = None  # as if the manifest had changed for another file
        mirror.write(root, state)
        again = outcome(run(root), "sc")
        assert s.requests() == [MANIFEST]
        assert sorted(i.id for i in again.invalid) == sorted(problems)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r.update(entry=dict(r["entry"], id="other")), "its entry's id is 'other'"),
        (lambda r: r.pop("entry"), "not a Quartier record"),
        (lambda r: r.update(url="javascript:x"), "is not an http(s) address"),
    ],
)
def test_records_of_the_wrong_shape(  # type: ignore[no-untyped-def]
    builds: dict[str, Path], tmp_path: Path, change, problem: str
) -> None:
    matte = served(builds["matte"], tmp_path, "matte")
    rel = "api/v1/entries/wildwuchs-blumen.json"
    record = json.loads((matte / rel).read_bytes())
    change(record)
    retouch(matte, rel, json.dumps(record).encode())
    root = aggregate(tmp_path, {"matte": "../served-matte/"})
    (o,) = run(root).outcomes
    assert [(i.id, problem in i.problem) for i in o.invalid] == [("wildwuchs-blumen", True)]
    assert o.new == 2


def test_a_manifest_naming_a_path_outside_entries_is_refused(
    builds: dict[str, Path], tmp_path: Path
) -> None:
    matte = served(builds["matte"], tmp_path, "matte")
    manifest = json.loads((matte / MANIFEST).read_bytes())
    manifest["files"]["api/v1/entries/../../../secret.json"] = {"sha256": "0" * 64, "bytes": 1}
    (matte / MANIFEST).write_bytes(json.dumps(manifest).encode())
    with Site(matte) as s:
        root = aggregate(tmp_path, {"matte": s.url})
        report = run(root)
    (o,) = report.outcomes
    assert o.new == 3 and [i.id for i in o.invalid] == ["../../../secret"]
    assert o.fetched == ["holzofebeck-breitsch", "nadel-und-faden-mattenhof", "wildwuchs-blumen"]
    assert "matte--../../../secret: the manifest lists a record whose id is not" in text(report)


# --- tombstones -------------------------------------------------------------------------


def test_tombstones_expire_and_records_come_back(builds: dict[str, Path], tmp_path: Path) -> None:
    aare = served(builds["aare"], tmp_path, "aare")
    root = aggregate(tmp_path, {"aare": "../served-aare/"})

    def serve(build: str) -> None:
        shutil.rmtree(aare)
        shutil.copytree(builds[build], aare)

    run(root)
    serve("aare-v2")
    run(root)  # erdwerk-keramik removed at the member
    state = mirror.read_state(root, "aare")
    assert state is not None and [g.id for g in state.gone] == ["aare--erdwerk-keramik"]
    assert (state.gone[0].since, state.gone[0].until) == ("2026-11-24", "2026-12-24")
    assert "aare--erdwerk-keramik" not in ids(root)
    # Back within the grace period: live again under the same id (and zweitlauf goes).
    serve("aare")
    back = outcome(run(root, NOW + timedelta(days=2)), "aare")
    assert (back.revived, back.removed, back.gone) == (1, 1, 1)
    assert "aare--erdwerk-keramik" in ids(root)
    gone = mirror.read_state(root, "aare").gone  # type: ignore[union-attr]
    assert [(g.id, g.since, g.until) for g in gone] == [
        ("aare--zweitlauf-vintage", "2026-11-26", "2026-12-26")
    ]
    # Kept on its last day (the member unchanged: one request), dropped the day after.
    last_day = outcome(run(root, datetime(2026, 12, 26, 23, tzinfo=UTC)), "aare")
    assert (last_day.status, last_day.gone, last_day.dropped) == ("unchanged", 1, 0)
    late = outcome(run(root, datetime(2026, 12, 27, 1, tzinfo=UTC)), "aare")
    assert (late.dropped, late.gone) == (1, 0)


# --- settings ---------------------------------------------------------------------------


def test_local_folder_members(builds: dict[str, Path], tmp_path: Path) -> None:
    root = aggregate(tmp_path, {"matte": str(builds["matte"]), "sc": "../served-sc/"})
    served(builds["sc"], tmp_path, "sc")
    first = run(root)
    assert [(o.status, o.new) for o in first.outcomes] == [("updated", 3), ("updated", 3)]
    source = next(src for _, _, src in mirror.records(root, load_context(root)[0].config))  # type: ignore[union-attr]
    assert source.record_url.startswith("file://") and source.record_url.endswith(".json")
    assert [o.status for o in run(root).outcomes] == ["unchanged", "unchanged"]
    shutil.rmtree(tmp_path / "served-sc")
    (o,) = [x for x in run(root).outcomes if x.member == "sc"]
    assert (o.status, o.fault_kind) == ("failed", "unreadable")


def test_filters_by_member_area_and_category(builds: dict[str, Path], tmp_path: Path) -> None:
    extra = "    areas: [bern]\n    categories: [food_drink]\n"
    root = aggregate(tmp_path, {"aare": str(builds["aare"])}, extra)
    run(root)
    kept = ids(root)
    assert kept and all(fid.startswith("aare--") for fid in kept) and len(kept) < 4
    ctx, _ = load_context(root)
    assert ctx is not None
    for _, entry, _ in mirror.records(root, ctx.config):
        cat = ctx.taxonomy.get(orjson.loads(entry)["category"])
        assert cat is not None and "food_drink" in (cat.id, cat.parent)
    wrong = aggregate(tmp_path, {"aare": str(builds["aare"])}, "    areas: [thun]\n")
    (o,) = run(wrong).outcomes
    assert o.fault_kind == "settings" and "names thun, which the member does not publish" in (
        o.fault or ""
    )


def test_removed_members_lose_their_copy(builds: dict[str, Path], tmp_path: Path) -> None:
    root = aggregate(tmp_path, {"aare": str(builds["aare"]), "matte": str(builds["matte"])})
    run(root)
    aggregate(tmp_path, {"matte": str(builds["matte"])})
    report = run(root)
    assert report.removed == ["aare"] and mirror.on_disk(root) == ["matte"]
    assert "aare: no longer a member in directory.yaml; its copy was removed" in text(report)


def test_one_member_only_and_the_command_line(
    builds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = aggregate(tmp_path, {"aare": str(builds["aare"]), "matte": str(builds["matte"])})
    assert main(["federate", "--root", str(root), "--member", "matte"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "member",
        "status",
        "new",
        "changed",
        "unchanged",
        "invalid",
        "gone",
        "copy",
    ]
    assert out[1].split()[:7] == ["matte", "updated", "3", "0", "0", "0", "0"] and len(out) == 2
    assert mirror.on_disk(root) == ["matte"]
    assert main(["federate", "--root", str(root), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(m["member"], m["status"]) for m in report["members"]] == [
        ("aare", "updated"), ("matte", "unchanged"),
    ]  # fmt: skip
    assert main(["federate", "--root", str(root), "--member", "mate"]) == 2
    assert (
        "no member 'mate' in directory.yaml (its members: aare, matte)" in capsys.readouterr().err
    )


def test_wrong_settings_exit_2_and_a_failing_member_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = aggregate(tmp_path, {"gone": "../nowhere/"})
    assert main(["federate", "--root", str(root)]) == 0
    assert "FAILED" in capsys.readouterr().out
    settings = (root / "directory.yaml").read_text(encoding="utf-8")
    (root / "directory.yaml").write_text(
        settings.replace("    license: CC0-1.0", "    license: ODbL-1.0"), encoding="utf-8"
    )
    assert main(["federate", "--root", str(root)]) == 2
    assert "cannot include" in capsys.readouterr().err


# --- licensing and concurrency ----------------------------------------------------------


def test_attribution_and_share_alike(builds: dict[str, Path], tmp_path: Path) -> None:
    from quartier.federation.licensing import attribution

    root = aggregate(tmp_path, {"aare": str(builds["aare"])})
    extra = "  - id: thun\n    url: https://thun.example.org/\n    license: CC-BY-4.0\n"
    settings = (root / "directory.yaml").read_text(encoding="utf-8") + extra
    (root / "directory.yaml").write_text(
        settings.replace("\nlicense: CC0-1.0", "\nlicense: ODbL-1.0")
    )
    run(root)
    ctx, _ = load_context(root)
    assert ctx is not None
    got = attribution(ctx.config, root)
    # Each copy's age: aare was fetched; thun's address does not answer, so it has none yet.
    ages = [{k: m.pop(k) for k in ("fetched_at", "checked_at", "error")} for m in got["members"]]
    assert ages[0]["fetched_at"] == ages[0]["checked_at"] is not None and ages[0]["error"] is None
    assert ages[1]["fetched_at"] is None and ages[1]["checked_at"] and ages[1]["error"]
    assert got["members"] == [
        {
            "id": "aare",
            "name": "Aare lokal",
            "url": "https://aare.example.org/",  # its public address, not the folder
            "license": "CC0-1.0",
            "license_url": "https://creativecommons.org/publicdomain/zero/1.0/",
        },
        {
            "id": "thun",
            "name": "thun",
            "url": "https://thun.example.org/",
            "license": "CC-BY-4.0",
            "license_url": "https://creativecommons.org/licenses/by/4.0/",
        },
    ]
    assert [m["id"] for m in got["attribution"]] == ["thun"] and got["share_alike"] is True


def test_downloads_are_bounded_per_member_and_in_total(
    builds: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from quartier.federation import update

    # Two members at a time with PER_MEMBER (4) each could reach 8: a total of 6 is the
    # limit that can be seen to hold (the real TOTAL, 8, is what two members reach anyway).
    monkeypatch.setattr(update, "_SLOTS", threading.BoundedSemaphore(6))

    folders = []
    for name in ("one", "two", "three"):
        folder = served(builds["aare"], tmp_path, name)
        data = (folder / "api/v1/entries/kafi-zwischenhalt.json").read_bytes()
        for i in range(12):  # twelve more files to fetch (their ids do not match: invalid)
            retouch(folder, f"api/v1/entries/copy-{i}.json", data)
        folders.append(folder)
    lock = threading.Lock()
    now: dict[str, int] = {"all": 0}
    most: dict[str, int] = {"all": 0}

    def counted(site: Site, name: str):  # type: ignore[no-untyped-def]
        def route(h):  # type: ignore[no-untyped-def]
            with lock:
                for key in (name, "all"):
                    now[key] = now.get(key, 0) + 1
                    most[key] = max(most.get(key, 0), now[key])
            time.sleep(0.05)  # long enough for the others to arrive (no time is asserted)
            # Counted as ended before the answer is written: once the client has the body it
            # may ask again while this handler is still closing (a full run saw 5 for 4).
            with lock:
                for key in (name, "all"):
                    now[key] -= 1
            site.serve(h, h.path.lstrip("/"))

        return route

    with sites(*folders) as started:
        for site, name in zip(started, ("one", "two", "three"), strict=True):
            for i in range(12):
                site.fault[f"api/v1/entries/copy-{i}.json"] = counted(site, name)
        root = aggregate(
            tmp_path,
            {s: site.url for s, site in zip(("one", "two", "three"), started, strict=True)},
        )
        report = run(root)
    assert [len(o.invalid) for o in report.outcomes] == [12, 12, 12]
    assert max(most[n] for n in ("one", "two", "three")) <= update.PER_MEMBER
    assert most["all"] <= 6


def test_adding_a_member_does_not_read_the_others_again(
    builds: dict[str, Path], tmp_path: Path
) -> None:
    root = aggregate(tmp_path, {"aare": str(builds["aare"])})
    run(root)
    aggregate(tmp_path, {"aare": str(builds["aare"]), "matte": str(builds["matte"])})
    report = run(root)
    assert [(o.member, o.status) for o in report.outcomes] == [
        ("aare", "unchanged"),
        ("matte", "updated"),
    ]
    # A change of this directory's own settings does read every record again.
    settings = (root / "directory.yaml").read_text(encoding="utf-8")
    (root / "directory.yaml").write_text(
        settings.replace("stale_after_days: 365", "stale_after_days: 300")
    )
    again = run(root).outcomes
    assert [(len(o.fetched), o.new, o.unchanged) for o in again] == [(4, 0, 4), (3, 0, 3)]


def test_a_narrower_filter_turns_the_records_it_leaves_out_into_tombstones(
    builds: dict[str, Path], tmp_path: Path
) -> None:
    root = aggregate(tmp_path, {"aare": str(builds["aare"])})
    run(root)
    aggregate(tmp_path, {"aare": str(builds["aare"])}, "    categories: [food_drink]\n")
    (o,) = run(root, NOW + timedelta(days=1)).outcomes
    assert (o.removed, o.unchanged, o.gone) == (2, 2, 2)
    state = mirror.read_state(root, "aare")
    assert state is not None
    assert [(g.id, g.since) for g in state.gone] == [
        ("aare--erdwerk-keramik", "2026-11-25"),
        ("aare--velowerk-lorraine", "2026-11-25"),
    ]


def test_without_members_it_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    shutil.copy(SAMPLE / "directory.yaml", root)
    assert main(["federate", "--root", str(root)]) == 0
    assert capsys.readouterr().out == (
        "directory.yaml lists no members: nothing to federate "
        "(to include other directories, see docs/federation.md)\n"
    )


def test_a_damaged_copy_is_fetched_anew(builds: dict[str, Path], tmp_path: Path) -> None:
    root = aggregate(tmp_path, {"matte": str(builds["matte"])})
    run(root)
    (mirror.member_folder(root, "matte") / "state.json").write_bytes(b'{"format": 1, "member"')
    report = run(root)
    (o,) = report.outcomes
    assert (o.status, o.new) == ("updated", 3)
    assert "cannot read the copy of a member" in text(report)
    assert len(ids(root)) == 3


def test_an_aggregate_is_a_member_like_any_other(builds: dict[str, Path], tmp_path: Path) -> None:
    # canton = aare + matte, built by quartier build; country = canton.
    canton = aggregate(tmp_path, {"aare": str(builds["aare"]), "matte": str(builds["matte"])})
    (canton / "entries").mkdir()
    settings = (canton / "directory.yaml").read_text(encoding="utf-8")
    (canton / "directory.yaml").write_text(
        settings.replace("https://quartier-dev.github.io/quartier/", "https://canton.example.org/")
    )
    run(canton)
    build(canton, tmp_path / "canton-out")
    country = tmp_path / "country"
    country.mkdir()
    shutil.copy(SAMPLE / "directory.yaml", country)
    with (country / "directory.yaml").open("a", encoding="utf-8") as f:
        f.write("members:\n  - id: canton\n    url: ../canton-out/\n    license: CC0-1.0\n")
    (o,) = run(country).outcomes
    assert (o.status, o.new, o.invalid) == ("updated", 7, [])
    ctx, _ = load_context(country)
    assert ctx is not None
    got = {fid: src for fid, _, src in mirror.records(country, ctx.config)}
    assert sorted(got) == sorted(
        f"canton--{mid}--{f.stem}" for mid in ("aare", "matte") for f in MEMBERS[mid]
    )
    source = got["canton--aare--kafi-zwischenhalt"]
    assert source.original_id == "aare--kafi-zwischenhalt"
    upstream = source.upstream or {}
    assert upstream["sources"][0]["member"] == "aare"  # the chain to the town's record
    assert upstream["sources"][0]["original_id"] == "kafi-zwischenhalt"


# --- review of issue 12: member text, crashes, determinism -----------------------------


def test_a_settings_edit_leaves_the_changes_feed_empty(
    builds: dict[str, Path], tmp_path: Path
) -> None:
    # Issue 10: re-reading every record after a settings edit must not re-stamp them.
    root = aggregate(tmp_path, {"matte": str(builds["matte"])})
    (root / "entries").mkdir()
    run(root)
    first = build(root, tmp_path / "out1")
    settings = (root / "directory.yaml").read_text(encoding="utf-8")
    (root / "directory.yaml").write_text(
        settings.replace("stale_after_days: 365", "stale_after_days: 300"), encoding="utf-8"
    )
    (o,) = run(root, NOW + timedelta(days=1)).outcomes
    assert (len(o.fetched), o.unchanged) == (3, 3)  # every record read again
    second = build(root, tmp_path / "out2", "--previous", str(first))
    before = json.loads((first / MANIFEST).read_bytes())
    after = json.loads((second / MANIFEST).read_bytes())
    entries = {p: v for p, v in after["files"].items() if p.startswith("api/v1/entries/")}
    assert entries == {p: v for p, v in before["files"].items() if p in entries}
    assert after["changes"] == before["changes"]  # no new diff in the feed
    assert not (second / "api/v1/changes/2.json").exists()


def test_a_members_own_text_is_not_published_as_given(
    builds: dict[str, Path], tmp_path: Path
) -> None:
    from quartier.config import LICENSES

    matte = served(builds["matte"], tmp_path, "matte")
    manifest = json.loads((matte / MANIFEST).read_bytes())
    manifest["directory"]["license_url"] = "javascript:alert(1)//" + "a" * 2000
    manifest["source_commit"] = "<script>\x1b[2J"
    (matte / MANIFEST).write_bytes(json.dumps(manifest).encode())
    attacks = {
        "wildwuchs-blumen": {"directory": "x", "source": "javascript:alert(document.cookie)"},
        # Every part within its limits, the whole (some 40 KB) too large to repeat:
        "holzofebeck-breitsch": {
            "directory": "x",
            "sources": [dict.fromkeys(("member", "name", "id", "fetched_at"), "y" * 250)] * 40,
        },
    }
    deep: dict[str, object] = {"directory": "bottom"}
    for _ in range(5):  # deeper than any chain of aggregates
        deep = {"directory": "x", "sources": [{"member": "m", "upstream": deep}]}
    attacks["nadel-und-faden-mattenhof"] = deep
    for oid, provenance in attacks.items():
        rel = f"api/v1/entries/{oid}.json"
        record = json.loads((matte / rel).read_bytes())
        record["provenance"] = provenance
        retouch(matte, rel, json.dumps(record).encode())
    root = aggregate(tmp_path, {"matte": "../served-matte/"})
    report = run(root)
    (o,) = report.outcomes
    assert (o.status, o.new, o.invalid) == ("updated", 3, [])
    ctx, _ = load_context(root)
    assert ctx is not None
    sources = [src for _, _, src in mirror.records(root, ctx.config)]
    assert [s.license_url for s in sources] == [LICENSES["CC0-1.0"]] * 3
    assert [(s.source_commit, s.upstream) for s in sources] == [(None, None)] * 3
    shown = text(report)
    assert "matte: its manifest's source_commit is not a commit id" in shown
    for oid in attacks:
        assert f"matte: record {oid}: its provenance is not of the expected shape" in shown
    assert "<script>" not in shown and "javascript:" not in shown
    assert mirror.copies(root, ctx.config)[0].license_url == LICENSES["CC0-1.0"]


def test_a_members_usual_provenance_is_kept(builds: dict[str, Path], tmp_path: Path) -> None:
    root = aggregate(tmp_path, {"matte": str(builds["matte"])})
    (o,) = run(root).outcomes
    assert o.notes == []
    ctx, _ = load_context(root)
    assert ctx is not None
    sources = [src for _, _, src in mirror.records(root, ctx.config)]
    assert all(s.upstream and s.upstream["directory"] == "Matte lokal" for s in sources)
    assert all(s.source_commit == "1" * 40 for s in sources)


def test_published_areas_of_the_wrong_type_fail_that_member_only(
    builds: dict[str, Path], tmp_path: Path
) -> None:
    aare = served(builds["aare"], tmp_path, "aare")
    settings = json.loads((aare / "api/v1/directory.json").read_bytes())
    settings["areas"] = 5
    retouch(aare, "api/v1/directory.json", json.dumps(settings).encode())
    urls = {"matte": str(builds["matte"]), "aare": "../served-aare/"}
    root = aggregate(tmp_path, urls, "    areas: [bern]\n")  # the filter is aare's
    report = run(root)
    got = {o.member: (o.status, o.fault_kind) for o in report.outcomes}
    assert got == {"matte": ("updated", None), "aare": ("failed", "malformed")}
    assert "areas is not a list of areas" in text(report)


def test_an_unexpected_error_fails_that_member_only_and_keeps_its_copy(
    builds: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quartier.federation import update

    aare = served(builds["aare"], tmp_path, "aare")
    root = aggregate(tmp_path, {"aare": "../served-aare/", "matte": "../served-matte/"})
    matte = served(builds["matte"], tmp_path, "matte")
    run(root)
    before = mirrored(root)
    shutil.rmtree(aare)
    shutil.copytree(builds["aare-v2"], aare)
    rel = "api/v1/entries/wildwuchs-blumen.json"
    retouch(matte, rel, (matte / rel).read_bytes().replace(b"}", b"} ", 1))
    real = update._apply

    def broken(root_, member, *args, **kw):  # type: ignore[no-untyped-def]
        if member.id == "aare":
            raise TypeError("'int' object is not iterable")
        return real(root_, member, *args, **kw)

    monkeypatch.setattr(update, "_apply", broken)
    report = run(root, NOW + timedelta(days=1))
    aare_o, matte_o = report.outcomes
    assert (aare_o.status, aare_o.fault_kind) == ("failed", "internal")
    assert "TypeError: 'int' object is not iterable" in (aare_o.fault or "")
    assert (aare_o.new, aare_o.changed, aare_o.records) == (0, 0, 4)  # the last good copy
    assert (matte_o.status, matte_o.changed) == ("updated", 1)  # the other member goes on
    after = mirrored(root)
    assert {k: v for k, v in after.items() if k.startswith("aare/")} == {
        k: v for k, v in before.items() if k.startswith("aare/")
    }
    state = mirror.read_state(root, "aare")
    assert state is not None and "unexpected error" in (state.error or "")
    assert "aare: aare: the update stopped on an unexpected error" in text(report)


def test_a_damaged_records_file_is_fetched_anew(builds: dict[str, Path], tmp_path: Path) -> None:
    root = aggregate(tmp_path, {"matte": str(builds["matte"]), "aare": str(builds["aare"])})
    run(root)
    state = mirror.read_state(root, "matte")
    assert state is not None and state.records_file
    (mirror.member_folder(root, "matte") / state.records_file).write_bytes(b'{"id": 5}\n{')
    report = run(root)
    got = {o.member: (o.status, o.new) for o in report.outcomes}
    assert got == {"matte": ("updated", 3), "aare": ("unchanged", 0)}
    assert "cannot read the copy of a member" in text(report)
    assert len(ids(root)) == 7


def test_a_fault_cancels_the_downloads_not_started(builds: dict[str, Path], tmp_path: Path) -> None:
    aare = served(builds["aare"], tmp_path, "aare")
    data = (aare / "api/v1/entries/kafi-zwischenhalt.json").read_bytes()
    for i in range(40):  # forty more files to fetch; the first of them is not as listed
        retouch(aare, f"api/v1/entries/copy-{i:02}.json", data)
    (aare / "api/v1/entries/copy-00.json").write_bytes(data + b" ")
    with Site(aare) as site:
        root = aggregate(tmp_path, {"aare": site.url})
        (o,) = run(root).outcomes
        asked = [p for p in site.log if "/entries/" in p]
    assert (o.status, o.fault_kind) == ("failed", "hash")
    # 44 to fetch; a few in flight or queued when the fault came, the rest never asked.
    assert 1 <= len(asked) <= 4 * 4 < 44


def test_the_whole_run_has_a_deadline(
    builds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = aggregate(tmp_path, {"aare": str(builds["aare"]), "matte": str(builds["matte"])})
    run(root)
    before = mirrored(root)
    report = run(root, total_s=0)
    assert [(o.status, o.fault_kind, o.records) for o in report.outcomes] == [
        ("failed", "timeout", 4),
        ("failed", "timeout", 3),
    ]
    assert mirrored(root) == before
    assert main(["federate", "--root", str(root), "--deadline", "0", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [m["fault_kind"] for m in got["members"]] == ["timeout", "timeout"]
    assert "the run's total deadline passed" in got["members"][0]["fault"]
