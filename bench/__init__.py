"""Benchmarks of the project against bare DuckDB and a bare Streamlit page (``make bench``)."""
