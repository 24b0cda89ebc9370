"""The FHIR import page: upload, progress, report, and a malformed file that imports nothing."""

import pytest

from core import summaries
from core.config import Settings
from core.models import Actor
from core.service import Practice
from tests.conftest import FIXTURES, NO_FIXTURES

RUTH = Actor("ruth", "Ruth Abernathy", ("supervisor",), "LCSW, Clinical Supervisor", "K06")

pytestmark = pytest.mark.skipif(FIXTURES is None, reason=NO_FIXTURES)


def test_upload_imports_and_reports(app, app_db):
    bundle = sorted(FIXTURES.glob("iris__*.json"))[0]
    at = app()
    at.switch_page("pages/import_fhir.py").run()
    at.file_uploader(key="fhir_files").set_value((bundle.name, bundle.read_bytes(), "application/json")).run()
    at.button(key="fhir_import").click().run()
    assert not at.exception and not at.error
    report = at.text[0].value
    assert bundle.name in report and "added" in report
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    imported = [c for c in p.store.client_rows() if c.id.startswith("F-")]
    assert len(imported) == 1
    assert summaries.audit_log(p, RUTH, imported[0].id)[0].action == "import"


def test_malformed_file_imports_nothing(app, app_db):
    bundle = sorted(FIXTURES.glob("iris__*.json"))[0]
    at = app()
    at.switch_page("pages/import_fhir.py").run()
    at.file_uploader(key="fhir_files").set_value(
        [
            (bundle.name, bundle.read_bytes(), "application/json"),
            ("cut.json", bundle.read_bytes()[:4000], "application/json"),
        ]
    ).run()
    at.button(key="fhir_import").click().run()
    assert not at.exception
    assert "cut.json" in at.error[0].value
    p = Practice.open(Settings(db_path=app_db), demo_data=False)
    assert not [c for c in p.store.client_rows() if c.id.startswith("F-")]
