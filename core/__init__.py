"""Treatment Summaries: the product, importable and testable without Streamlit."""
