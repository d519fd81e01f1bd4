"""Every UI string has a Korean translation; set_language switches tr() between the languages."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale

from desktop_rag.ui import i18n
from desktop_rag.ui.i18n import KOREAN, current_language, set_language, tr

UI_DIR = Path(i18n.__file__).resolve().parent
# tr("...") / tr('...') with a plain literal; the AST pass below also sees implicit concatenation
# ("a " "b" over several lines) and triple quotes, which this cannot.
_LITERAL_CALL = re.compile(r"""\btr\(\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')\s*\)""")


def _is_tr(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "tr") or (
        isinstance(func, ast.Attribute) and func.attr == "tr" and isinstance(func.value, ast.Name)
        and func.value.id == "i18n"
    )


def _scan(path: Path) -> tuple[list[str], list[str]]:
    """(the literal strings passed to tr, 'file:line' of calls built at run time: f-strings, % or .format)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    literals: list[str] = []
    dynamic: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _is_tr(node) and node.args):
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            literals.append(arg.value)
        elif isinstance(arg, ast.JoinedStr | ast.BinOp) or (
            isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "format"
        ):
            dynamic.append(f"{path.name}:{node.lineno}: {ast.unparse(arg)[:80]}")
    return literals, dynamic


def _ui_files() -> list[Path]:
    return sorted(p for p in UI_DIR.rglob("*.py") if p.name != "i18n.py")


@pytest.fixture
def restore_language():
    before = current_language()
    yield
    set_language(before)


def test_every_ui_string_has_a_korean_translation():
    missing: dict[str, list[str]] = {}
    for path in _ui_files():
        literals, _ = _scan(path)
        # The regex and the AST agree on every single-line literal.
        for match in _LITERAL_CALL.finditer(path.read_text(encoding="utf-8")):
            text = ast.literal_eval(f'"{match.group(1)}"' if match.group(1) is not None else f"'{match.group(2)}'")
            assert text in literals, f"{path.name}: {text!r} found by the regex but not by the AST scan"
        for text in literals:
            if not KOREAN.get(text, "").strip():
                missing.setdefault(path.name, []).append(text)
    if missing:
        lines = []
        for name, texts in missing.items():
            lines.append(f"# {name}")
            lines.extend(f"    {text!r}: \"\"," for text in dict.fromkeys(texts))
        pytest.fail(f"{sum(map(len, missing.values()))} UI strings have no Korean translation "
                    "(add them to KOREAN in desktop_rag/ui/i18n.py):\n" + "\n".join(lines))


def test_tr_gets_fixed_text_not_formatted_text():
    """tr(f"...") can never match the catalog: translate the pattern, then .format() the result."""
    dynamic = [line for path in _ui_files() for line in _scan(path)[1]]
    assert not dynamic, "tr() needs a plain string literal:\n" + "\n".join(dynamic)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_translations_keep_the_placeholders():
    wrong = [f"{en!r} -> {ko!r}" for en, ko in KOREAN.items() if _fields(en) != _fields(ko)]
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_set_language_switches_tr(restore_language):
    text = "Settings"
    assert KOREAN[text] and KOREAN[text] != text
    assert set_language("ko") == "ko"
    assert current_language() == "ko"
    assert tr(text) == KOREAN[text]
    assert tr("a string nobody translated") == "a string nobody translated"
    assert set_language("en") == "en"
    assert tr(text) == text


@pytest.mark.parametrize(
    ("system", "expected"),
    [(QLocale.Language.Korean, "ko"), (QLocale.Language.English, "en"), (QLocale.Language.German, "en")],
)
def test_auto_follows_the_system_locale(monkeypatch, restore_language, system, expected):
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale(system)))
    assert set_language("auto") == expected
    assert tr("Settings") == (KOREAN["Settings"] if expected == "ko" else "Settings")
