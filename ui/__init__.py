"""The Streamlit side of the app: cached resources, session keys, error display and shared views."""
