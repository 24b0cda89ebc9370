"""The layers the house rules ask for, checked by scanning imports (cheap invariant tests)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def core_files():
    return sorted((ROOT / "core").rglob("*.py"))


def test_core_never_imports_streamlit():
    assert [p.name for p in core_files() if "streamlit" in imports(p)] == []


def test_only_the_store_imports_duckdb():
    users = {p.relative_to(ROOT).as_posix() for p in core_files() if "duckdb" in imports(p)}
    assert users and all(u.startswith("core/store/") for u in users)


def test_only_the_anthropic_engine_imports_the_sdk():
    users = [p.relative_to(ROOT).as_posix() for p in core_files() if {"anthropic", "httpx2"} & imports(p)]
    assert users in ([], ["core/engines/anthropic.py"])


def test_pages_do_not_touch_sql_or_sdks():
    for path in [ROOT / "app.py", ROOT / "ui.py", *sorted((ROOT / "pages").glob("*.py"))]:
        if path.exists():
            assert not {"duckdb", "anthropic", "httpx2"} & imports(path), path.name


def test_every_module_says_what_it_is_for():
    for path in core_files():
        assert ast.get_docstring(ast.parse(path.read_text())), path
