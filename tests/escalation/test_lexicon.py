"""The lexicon is data (escalation/screen/lexicon.toml): every pattern in it compiles, its
building blocks resolve, and a mistake in the file is refused with a message that says
where, before the screen could run on a broken pattern."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from escalation.screen import lexicon
from escalation.screen.lexicon import LEXICON_PATH, Level, LexiconError, load

RULE_TABLES = [
    lexicon.OVERDOSE_RULES,
    lexicon.SUICIDE_RULES,
    lexicon.IMMINENT_RULES,
    lexicon.MEANS_RULES,
    lexicon.USE_RULES,
    lexicon.SLANG_USE_RULES,
    lexicon.MINIMISED_USE_RULES,
    lexicon.SPANISH_USE_RULES,
    lexicon.HARM_RULES,
    lexicon.SUPPORT_RULES,
]


def test_every_rule_compiles_with_its_blocks_filled_in() -> None:
    rules = [rule for table in RULE_TABLES for rule in table]
    assert len(rules) > 40
    for rule in rules:
        assert "${" not in rule.pattern, rule.code
        re.compile(rule.pattern)
        assert rule.level in (Level.SUPPORT, Level.URGENT, Level.EMERGENCY)


def test_every_block_and_list_compiles() -> None:
    _data, blocks = load()
    for name, pattern in blocks.items():
        assert "${" not in pattern, name
        re.compile(pattern)
    for pattern, _replacement in lexicon.PHRASE_MAP:
        re.compile(pattern)
    for idiom in lexicon.IDIOMS:
        re.compile(idiom)


def test_word_lists_read_as_words() -> None:
    assert {"didnt", "never", "aint"} <= lexicon.NEGATORS
    assert "fent" in lexicon.OPIOIDS.split("|")
    assert lexicon.gap(2) == r"(?:[^\s|]+ ){0,2}"


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = LEXICON_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "lexicon.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_unknown_block_is_refused_by_name(tmp_path: Path) -> None:
    path = edited(tmp_path, "${PERSON}", "${PERSONS}")
    with pytest.raises(LexiconError, match=r"unknown block \$\{PERSONS\}"):
        load(path)


def test_blocks_that_refer_to_each_other_in_a_loop_are_refused(tmp_path: Path) -> None:
    path = edited(tmp_path, "[blocks]\n", "[blocks]\nLOOP_A = '${LOOP_B}'\nLOOP_B = '${LOOP_A}'\n")
    with pytest.raises(LexiconError, match="loop"):
        load(path)
