"""FHIR R4 import (Synthea and other exports): Bundles or NDJSON to chart rows, with a report."""

from .importer import ImportReport, import_files

__all__ = ["ImportReport", "import_files"]
