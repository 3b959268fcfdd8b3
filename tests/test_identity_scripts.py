"""Names in every script keep their identity: different names never share a key, a work by three Chinese authors has
three researchers, and transliteration only adds blocking candidates (#24 item 1)."""

from __future__ import annotations

import pytest
from neo4j import Driver

from kg import graphdb, pipeline
from kg.config import Settings
from kg.identity import SlotContext, block_keys, cluster_block, mention_from_author, unify_mentions
from kg.models import AuthorRef, Provenance, WorkIds, WorkRecord
from kg.normalize import block_key, name_key

# names that a key keeping only [a-z0-9] turned into one empty key
DIFFERENT_NAMES = {
    "chinese": ["王芳", "李强", "张敏"],
    "arabic": ["محمد علي", "أحمد حسن", "فاطمة الزهراء"],
    "greek": ["Γιώργος Παπαδόπουλος", "Νίκος Ιωάννου", "Μαρία Κωνσταντίνου"],
    "hebrew": ["דוד כהן", "שרה לוי", "משה מזרחי"],
    "emoji": ["🦄", "🌈", "🦄🌈"],
    "korean": ["김민수", "이서연", "박지훈"],
}


@pytest.mark.parametrize("script", sorted(DIFFERENT_NAMES))
def test_different_names_in_any_script_have_different_name_and_block_keys(script: str) -> None:
    names = DIFFERENT_NAMES[script]
    assert len({name_key(n) for n in names}) == len(names), [name_key(n) for n in names]
    assert len({block_key(n) for n in names}) == len(names), [block_key(n) for n in names]
    assert all(name_key(n) not in ("", "|") for n in names)


def test_the_same_name_in_one_script_keeps_one_key_whatever_its_marks_width_or_case() -> None:
    assert name_key("مُحَمَّد علي") == name_key("محمد علي")  # Arabic vowel marks are optional
    assert name_key("ＷＡＮＧ Ｆａｎｇ") == name_key("Wang Fang") == "fang|wang"  # NFKC: full-width letters
    assert name_key("ΓΙΏΡΓΟΣ Παπαδόπουλος") == name_key("Γιώργος Παπαδόπουλος")
    # Latin keys are what they always were (stored anchors and curated decisions keep matching)
    assert name_key("Xiàng Song") == name_key("Song, Xiang") == "song|xiang"
    assert name_key("O'Brien, Pat") == "obrien|pat"
    assert block_key("José M. García") == "garcia|j"


def test_transliteration_adds_blocking_candidates_but_never_a_shared_key() -> None:
    assert {"wang|f", "fang|w"} <= block_keys("王芳")
    assert "papadopoylos|g" in block_keys("Γιώργος Παπαδόπουλος")
    assert name_key("王芳") != name_key("Wang Fang")
    # variants of Latin names: compound and particle family names, East Asian order
    assert {"garcia|h", "molina|h", "garciamolina|h"} <= block_keys("García-Molina, Héctor")
    assert "berg|a" in block_keys("Anna van der Berg")
    assert block_keys("Zhang Wei") & block_keys("Wei Zhang")


def _record(names: list[str], work: str = "W1") -> WorkRecord:
    return WorkRecord(
        prov=Provenance(source="openalex", file="test.jsonl", record_id=work),
        title="A study of three authors from one lab",
        year=2021,
        ids=WorkIds(openalex=work),
        authors=[AuthorRef(name=n, position=i + 1) for i, n in enumerate(names)],
    )


@pytest.mark.parametrize("script", sorted(DIFFERENT_NAMES))
def test_a_work_by_three_authors_in_one_script_has_three_slots_and_three_researchers(script: str) -> None:
    rec = _record(DIFFERENT_NAMES[script])
    slots = unify_mentions("openalex:W1", [mention_from_author(a, "openalex", False) for a in rec.authors])
    assert sorted(s.name for s in slots) == sorted(DIFFERENT_NAMES[script])
    contexts = [
        SlotContext(slot=s, work_ids={"openalex:W1"}, coauthors={}, topics={}, venue=None, year=2021)
        for s in slots
    ]
    by_block: dict[str, list[SlotContext]] = {}
    for c in contexts:
        by_block.setdefault(block_key(c.slot.name), []).append(c)
    clusters = [cl for members in by_block.values() for cl in cluster_block(members)]
    assert sorted(cl.name for cl in clusters) == sorted(DIFFERENT_NAMES[script])


@pytest.mark.neo4j
def test_loading_the_chinese_work_gives_three_researchers_each_with_one_name(
    graph: Driver, neo4j_settings: Settings
) -> None:
    pipeline.load(
        graph, [("fixture", [_record(["王芳", "李强", "张敏"])])], settings=neo4j_settings, derive=False
    )
    rows = graphdb.run(
        graph,
        "MATCH (r:Researcher)-[a:AUTHORED]->(:Work {id: 'openalex:W1'}) "
        "RETURN r.name AS name, r.aliases AS aliases, a.position AS pos ORDER BY pos",
        settings=neo4j_settings,
    )
    assert [(r["name"], r["pos"]) for r in rows] == [("王芳", 1), ("李强", 2), ("张敏", 3)]
    assert all(len(r["aliases"] or [r["name"]]) == 1 for r in rows)
