"""AppTest fixtures: the real app on its own demo database, offline engine, fresh caches."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import auth
from core.config import Settings
from core.service import Practice
from ui import keys

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def app_db_template(tmp_path_factory) -> Path:
    """Demo charts anchored at the real today, as a first start of the app would make them."""
    path = tmp_path_factory.mktemp("app") / "demo.duckdb"
    Practice.open(Settings(db_path=path), demo_data=True, anchor=date.today()).store.close()
    return path


@pytest.fixture
def app_db(tmp_path, app_db_template, monkeypatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(app_db_template, path)
    monkeypatch.setenv("TS_DB_PATH", str(path))
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


PASSWORDS = {user: password for user, *_, password in auth.DEMO_ACCOUNTS}


@pytest.fixture
def app(app_db):
    """The app, signed in as a demo account (the supervisor unless another is named), or signed out."""

    def make(user: str | None = "ruth") -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        if user:
            p = Practice.open(Settings(db_path=app_db))
            at.session_state[keys.ACTOR] = auth.sign_in(p, user, PASSWORDS[user])  # a real session, checked by core
            at.session_state[keys.SIGNED_IN_AT] = auth.now()
            p.store.close()
        return at

    return make
