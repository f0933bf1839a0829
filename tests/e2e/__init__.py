"""End-to-end tests: the real app served by Streamlit, driven by a real Chromium (marker ``browser``)."""
