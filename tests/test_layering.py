"""The layers the house rules ask for, checked over every file of the product (cheap invariant
tests), and shown to fail on planted violations, since a guard is worth only what it can catch."""

import ast
import re
from pathlib import Path

import duckdb
import pytest

from core.models import NOTE_TYPES

ROOT = Path(__file__).resolve().parent.parent
# Streamlit modules meant for apps; anything else under streamlit.* is its private machinery.
PUBLIC_STREAMLIT = {"streamlit", "streamlit.components.v1", "streamlit.components.v2", "streamlit.errors"}
SQL = re.compile(
    r"\b(SELECT\b[\s\S]+\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|"
    r"ALTER\s+TABLE)\b"
)


def product_files() -> list[Path]:
    """Every Python file of the product: app.py, serve.py, the screens, ui/ and core/ (the CLI included)."""
    files = [
        ROOT / "app.py",
        ROOT / "serve.py",
        *(ROOT / "pages").glob("*.py"),
        *(ROOT / "ui").rglob("*.py"),
        *(ROOT / "core").rglob("*.py"),
    ]
    return sorted(files)


def violations(rel: str, source: str) -> list[str]:
    """What breaks the layering in one file, given its path relative to the repository."""
    in_core = rel.startswith("core/") and rel != "core/__main__.py"  # the CLI is an entry point like a screen
    in_store = rel.startswith("core/store/")
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            modules = [f".{node.module or ''}"] + [f".{a.name}" for a in node.names]
        for m in modules:
            top = m.split(".")[0]
            if rel.startswith("core/") and top == "streamlit":
                found.append(f"{rel}: core imports streamlit")
            if top == "duckdb" and not in_store:
                found.append(f"{rel}: duckdb outside core/store")
            if top in ("anthropic", "httpx", "httpx2") and rel != "core/engines/anthropic.py":
                found.append(f"{rel}: the model SDK outside core/engines/anthropic.py")
            if top == "streamlit" and isinstance(node, ast.Import) and m not in PUBLIC_STREAMLIT:
                found.append(f"{rel}: Streamlit's private module {m}")
            if (
                top == "streamlit"
                and isinstance(node, ast.ImportFrom)
                and node.module not in PUBLIC_STREAMLIT
                and not node.module.startswith("streamlit.components.v")
            ):
                found.append(f"{rel}: Streamlit's private module {node.module}")
            if not in_core and (m.startswith("core.store") or m == ".store" or m.startswith("..store")):
                found.append(f"{rel}: imports the store outside core")
        if not in_core and isinstance(node, ast.Attribute) and node.attr in ("store", "_con"):
            found.append(f"{rel}:{node.lineno}: uses the store outside core")
        if not in_store and isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(f"{rel}:{node.lineno}: SQL outside core/store")
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id == "st"
        ):
            found.append(f"{rel}:{node.lineno}: Streamlit's private attribute st.{node.attr}")
    return found


def test_the_layering_holds_over_every_product_file():
    files = product_files()
    assert {"app.py", "ui/workspace.py", "pages/client.py", "core/__main__.py"} <= {
        p.relative_to(ROOT).as_posix() for p in files
    }
    problems = [v for p in files for v in violations(p.relative_to(ROOT).as_posix(), p.read_text())]
    assert problems == []


@pytest.mark.parametrize(
    "rel,source",
    [
        ("core/summaries.py", "import streamlit as st\n"),
        ("core/quality.py", "from streamlit import session_state\n"),
        ("ui/workspace.py", "import duckdb\n"),
        ("core/sources.py", "import duckdb\n"),
        ("pages/client.py", "import anthropic\n"),
        ("core/engines/offline.py", "from anthropic import Anthropic\n"),
        ("ui/workspace.py", "def f(p):\n    return p.store.draft('D1')\n"),
        ("pages/users.py", "from ui.common import practice\nrows = practice().store.users()\n"),
        ("core/__main__.py", "def cmd(p, args):\n    p.store.compact()\n"),
        ("ui/chart.py", "from core.store import Store\n"),
        ("app.py", "from streamlit.runtime.pages_manager import PagesManager\n"),
        ("ui/common.py", "import streamlit.runtime.scriptrunner\n"),
        ("ui/common.py", "import streamlit as st\nst._main.write('x')\n"),
        ("pages/audit.py", "q = 'SELECT id FROM audit_log'\n"),
        ("core/summaries.py", "q = '''UPDATE drafts SET revision = 2'''\n"),
    ],
)
def test_the_guard_catches_a_planted_violation(rel, source):
    assert violations(rel, source), f"the layering test missed: {source!r} in {rel}"


@pytest.mark.parametrize(
    "rel,source",
    [
        ("core/store/lifecycle.py", "import duckdb\nq = 'SELECT 1 FROM drafts'\n"),
        ("core/engines/anthropic.py", "import anthropic\n"),
        ("ui/editor.py", "import streamlit as st\nc = st.components.v2.component\n"),
        ("core/charts.py", "def f(p):\n    return p.store.chart('C1')\n"),
        ("pages/clients.py", "st = None\ntext = 'Select a row to open the chart from the list'\n"),
    ],
)
def test_the_guard_leaves_allowed_code_alone(rel, source):
    assert violations(rel, source) == []


def test_every_module_says_what_it_is_for():
    for path in product_files():
        if path.name != "__init__.py" or path.read_text().strip():
            assert ast.get_docstring(ast.parse(path.read_text())), path


def test_the_schema_and_core_agree_on_note_types(tmp_path):
    """SPEC section 3's note types live in core.models; the database's CHECK must list the same ones."""
    from core.store import Store

    Store(tmp_path / "s.duckdb").close()
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    checks = [
        r[0]
        for r in con.execute(
            "SELECT expression FROM duckdb_constraints() WHERE table_name = 'notes' AND constraint_type = 'CHECK'"
        ).fetchall()
    ]
    con.close()
    note_type_check = next(c for c in checks if "note_type" in c)
    assert set(re.findall(r"'(\w+)'", note_type_check)) == set(NOTE_TYPES)
