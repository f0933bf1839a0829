"""Storage: the DuckDB file, its migrations, cached figures per data version, backups and restores."""
