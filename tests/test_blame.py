"""The grammar-reading blame finder, on sentences of our own."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sphinx_postmortem.blame import RULES, BlameFinder

SENTENCES = Path(__file__).parent / "review" / "blame.tsv"


def labelled() -> list[tuple[str, str]]:
    rows = []
    for line in SENTENCES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rule, sentence = line.split("\t")
            rows.append((rule, sentence))
    return rows


def test_precision_and_recall_on_our_sentences() -> None:
    rows = labelled()
    assert len(rows) >= 250
    assert sum(1 for rule, _ in rows if rule == "-") >= 0.4 * len(rows)
    finder = BlameFinder()
    flagged, right, wanted, found = Counter[str](), Counter[str](), Counter[str](), Counter[str]()
    for rule, sentence in rows:
        rules = {hit.rule for hit in finder.find(sentence)}
        for got in rules:
            flagged[got] += 1
            right[got] += rule != "-"
        if rule != "-":
            wanted[rule] += 1
            found[rule] += bool(rules)
    for rule in RULES:
        print(
            f"{rule:15} precision {right[rule]}/{flagged[rule]}  recall {found[rule]}/{wanted[rule]}"
        )
    precision = sum(right.values()) / sum(flagged.values())
    recall = sum(found.values()) / sum(wanted.values())
    print(f"{len(rows)} sentences: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.95
    assert recall >= 0.9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Alice failed to run the migration.", [("failed to", "blame")]),
        ("Pacemaker failed to promote a replica.", []),
        ("Critical workloads should have priority.", []),
        ("The engineer should have checked.", [("should have", "counterfactual")]),
        ("Only one cluster should have existed.", []),
        ("The engineer ran it, and the cache could have expired.", []),
        ("Be more careful to test it end to end", [("Be more careful", "exhortation")]),
        ("The careless deploy broke it.", []),
        ("It was Carol's fault.", [("Carol's fault", "blame")]),
        ("We had just long enough.", []),
        ("The engineer just had to flip a flag.", [("just had to", "minimiser")]),
    ],
)
def test_rules_read_who_does_what(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(hit.term, hit.rule) for hit in BlameFinder().find(text)] == expected


def test_people_from_the_project_and_the_call_count_as_people() -> None:
    text = "Zeynep Kaya failed to renew the certificate."
    assert list(BlameFinder().find(text)) == []
    assert [h.start for h in BlameFinder(people=["Zeynep Kaya"]).find(text)] == [12]
    assert [h.rule for h in BlameFinder().find("Zeynep forgot it.", people=["Zeynep Kaya"])] == [
        "blame"
    ]


def test_rules_can_be_turned_off_terms_allowed_and_added() -> None:
    text = "The engineer should have checked; it was a cowboy change. Bob forgot it."
    finder = BlameFinder(
        off=["counterfactual"],
        allow=["forgot"],
        extra_terms={"judgement": {"cowboy": "describe the change process"}},
        adverbs=["hastily"],
    )
    assert [(h.term, h.rule, h.suggestion) for h in finder.find(text)] == [
        ("cowboy", "judgement", "describe the change process")
    ]
    assert [h.term for h in finder.find("The admin hastily restarted it.")] == ["hastily"]
    # a quoted term is mentioned, not used, for the project's terms as for the rules
    assert [h.term for h in finder.find('We dropped the "cowboy change" label.')] == []
    assert [h.term for h in finder.find("We dropped the cowboy change label.")] == ["cowboy"]


def test_a_hit_stands_at_its_place_in_the_text() -> None:
    text = "Fine. The on-call engineer should\u2019ve paged."
    (hit,) = BlameFinder().find(text)
    assert text[hit.start :].startswith("should\u2019ve")
