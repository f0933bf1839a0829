"""Schema migrations, applied in order; never edit one that has shipped, add another.

A migration is SQL, or a function of the connection when it must fill a table with what code derives:
the values in force, kept beside the versioned uploads and rebuilt by every write (``refresh_in_force``).
"""

from __future__ import annotations

import datetime as dt

import duckdb

# kind -> (table, the column saying when besides code, value columns); a kind's rows live only in its table.
KINDS = {
    "monthly": ("monthly_values", "period", ("total", "compulsory", "voluntary", "labour_force")),
    "annual": ("annual_values", "year", ("total_target", "voluntary_min")),
    "labour": ("labour_values", "year", ("labour_force", "source")),
    "arrears": ("arrears_values", "period", ("employers_late", "workers_affected", "amount_owed", "employers_evading")),
    "employers": ("employer_values", "period", ("employer", "tax_code", "taxpayer", "unit_code", "months_late",
                                                "amount_owed", "status")),
}
# Kinds whose latest upload of a month replaces that month's whole list, not commune by commune.
WHOLE_PERIOD = frozenset({"employers"})


def in_force_sql(kind: str) -> str:
    """The rows of ``kind`` in force at the moment bound as $moment: those of the latest upload (by id) of each
    (key, code) — of each key for a kind in WHOLE_PERIOD — among the uploads made by then and not withdrawn by
    then."""
    table, key, values = KINDS[kind]
    columns = ", ".join(f"v.{c}" for c in (key, "code", *values, "upload_id"))
    by = [key] if kind in WHOLE_PERIOD else [key, "code"]
    return f"""
        WITH latest AS (
            SELECT {", ".join(f"v.{c}" for c in by)}, max(v.upload_id) AS upload_id
            FROM {table} v JOIN uploads u ON u.id = v.upload_id
            WHERE u.kind = '{kind}' AND u.uploaded_at <= $moment
              AND (u.withdrawn_at IS NULL OR u.withdrawn_at > $moment)
            GROUP BY {", ".join(f"v.{c}" for c in by)})
        SELECT {columns}
        FROM {table} v JOIN latest l ON {" AND ".join(f"l.{c} = v.{c}" for c in by)} AND l.upload_id = v.upload_id
        ORDER BY v.{key}, v.code{", v.tax_code" if kind in WHOLE_PERIOD else ""}"""


def refresh_in_force(con: duckdb.DuckDBPyConnection, kinds=None) -> None:
    """Rebuild the tables of values in force (``<kind>_in_force``) of ``kinds`` (default: every kind), in key and
    code order; inside a write. A migration names the kinds that exist when it runs."""
    for kind in kinds or KINDS:
        con.execute(f"DELETE FROM {kind}_in_force")
        con.execute(f"INSERT INTO {kind}_in_force {in_force_sql(kind)}", {"moment": dt.datetime.max})


def _in_force_and_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE monthly_in_force AS
            SELECT period, code, total, compulsory, voluntary, labour_force, upload_id FROM monthly_values WITH NO DATA;
        CREATE TABLE annual_in_force AS
            SELECT year, code, total_target, voluntary_min, upload_id FROM annual_values WITH NO DATA;
        CREATE TABLE data_version (
            database_id VARCHAR NOT NULL,
            version BIGINT NOT NULL,
            token VARCHAR NOT NULL
        );
        INSERT INTO data_version VALUES (uuid()::VARCHAR, 0, uuid()::VARCHAR);
    """)
    refresh_in_force(con, ("monthly", "annual"))



MIGRATIONS = [
    # 1: official registry, plan, appendix targets, reconciliation findings
    """
    CREATE TABLE schema_version (version INTEGER NOT NULL);
    CREATE TABLE plan (
        province VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        target_year INTEGER NOT NULL,
        participants INTEGER NOT NULL,
        voluntary INTEGER NOT NULL,
        labour_force_coverage_pct DOUBLE NOT NULL,
        voluntary_coverage_pct DOUBLE NOT NULL,
        baseline_month VARCHAR NOT NULL,
        source_document VARCHAR NOT NULL
    );
    CREATE TABLE communes (
        code VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        unit_type VARCHAR NOT NULL,
        lat DOUBLE,
        lon DOUBLE,
        area_km2 DOUBLE
    );
    CREATE TABLE commune_aliases (
        alias VARCHAR PRIMARY KEY,
        code VARCHAR NOT NULL,
        source VARCHAR NOT NULL
    );
    CREATE TABLE appendix_rows (
        stt INTEGER PRIMARY KEY,
        name_as_printed VARCHAR NOT NULL,
        total_target BIGINT NOT NULL,
        voluntary_min BIGINT NOT NULL,
        code VARCHAR,
        method VARCHAR,
        score DOUBLE,
        status VARCHAR NOT NULL
    );
    CREATE TABLE targets (
        code VARCHAR NOT NULL,
        target_year INTEGER NOT NULL,
        total_target BIGINT NOT NULL,
        voluntary_min BIGINT NOT NULL,
        source_document VARCHAR NOT NULL,
        PRIMARY KEY (code, target_year, source_document)
    );
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        kind VARCHAR NOT NULL,
        subject VARCHAR NOT NULL,
        detail VARCHAR NOT NULL,
        status VARCHAR NOT NULL
    );
    """,
    # 2: monthly results, versioned by upload
    """
    CREATE SEQUENCE upload_ids START 1;
    CREATE TABLE uploads (
        id INTEGER PRIMARY KEY DEFAULT nextval('upload_ids'),
        kind VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        uploaded_by VARCHAR NOT NULL,
        uploaded_at TIMESTAMP NOT NULL,
        periods VARCHAR NOT NULL,
        rows_read INTEGER NOT NULL,
        rows_stored INTEGER NOT NULL,
        is_demo BOOLEAN NOT NULL,
        note VARCHAR NOT NULL,
        withdrawn_at TIMESTAMP,
        withdrawn_by VARCHAR
    );
    CREATE TABLE monthly_values (
        upload_id INTEGER NOT NULL,
        period VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        total BIGINT NOT NULL,
        compulsory BIGINT,
        voluntary BIGINT NOT NULL,
        labour_force BIGINT,
        source_row INTEGER,
        written_name VARCHAR,
        match_method VARCHAR,
        match_score DOUBLE,
        PRIMARY KEY (upload_id, period, code)
    );
    """,
    # 3: grouping of units by the former district and province they came from
    """
    CREATE TABLE commune_groups (
        code VARCHAR PRIMARY KEY,
        former_district VARCHAR,
        former_province VARCHAR
    );
    """,
    # 4: official annual targets (versioned by upload, like monthly results), accounts, audit log
    """
    CREATE TABLE annual_values (
        upload_id INTEGER NOT NULL,
        year INTEGER NOT NULL,
        code VARCHAR NOT NULL,
        total_target BIGINT NOT NULL,
        voluntary_min BIGINT NOT NULL,
        source_row INTEGER,
        written_name VARCHAR,
        match_method VARCHAR,
        match_score DOUBLE,
        PRIMARY KEY (upload_id, year, code)
    );
    CREATE TABLE users (
        username VARCHAR PRIMARY KEY,
        display_name VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        password_hash VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        disabled BOOLEAN NOT NULL DEFAULT false,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TIMESTAMP
    );
    CREATE SEQUENCE audit_ids START 1;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY DEFAULT nextval('audit_ids'),
        happened_at TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        detail VARCHAR NOT NULL
    );
    """,
    # 5: sign-in sessions that outlive a browser tab (only a hash of each token), and the key that signs tokens
    """
    CREATE TABLE sessions (
        token_hash VARCHAR PRIMARY KEY,
        username VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        last_active TIMESTAMP NOT NULL,
        expires_at TIMESTAMP NOT NULL,
        ended_at TIMESTAMP,
        end_reason VARCHAR
    );
    CREATE TABLE app_keys (
        name VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    );
    """,
    # 6: names people confirmed (shared by the appendix and uploads), saved column layouts of uploaded files,
    #    and months whose file gave totals only (no voluntary count)
    """
    CREATE TABLE name_confirmations (
        written_name VARCHAR PRIMARY KEY,
        code VARCHAR NOT NULL,
        note VARCHAR NOT NULL,
        confirmed_by VARCHAR NOT NULL,
        confirmed_at TIMESTAMP
    );
    CREATE TABLE layouts (
        signature VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        headers VARCHAR NOT NULL,
        mapping VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        saved_by VARCHAR NOT NULL,
        saved_at TIMESTAMP NOT NULL
    );
    ALTER TABLE monthly_values ALTER COLUMN voluntary DROP NOT NULL;
    """,
    # 7: the yearly reports communes return to the province (the plan's 15/12 deadline), kept with their checksum
    """
    CREATE SEQUENCE commune_report_ids START 1;
    CREATE TABLE commune_reports (
        id INTEGER PRIMARY KEY DEFAULT nextval('commune_report_ids'),
        code VARCHAR NOT NULL,
        year INTEGER NOT NULL,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        size_bytes INTEGER NOT NULL,
        content BLOB NOT NULL,
        uploaded_by VARCHAR NOT NULL,
        uploaded_at TIMESTAMP NOT NULL,
        note VARCHAR NOT NULL
    );
    """,
    # 8: the values in force kept beside their history, and the data version every cached figure is keyed by
    _in_force_and_version,
    # 9: the working-age labour force per commune and year, each figure with the source the upload named
    """
    CREATE TABLE labour_values (
        upload_id INTEGER NOT NULL,
        year INTEGER NOT NULL,
        code VARCHAR NOT NULL,
        labour_force BIGINT NOT NULL,
        source VARCHAR NOT NULL,
        source_row INTEGER,
        written_name VARCHAR,
        match_method VARCHAR,
        match_score DOUBLE,
        PRIMARY KEY (upload_id, year, code)
    );
    CREATE TABLE labour_in_force AS
        SELECT year, code, labour_force, source, upload_id FROM labour_values WITH NO DATA;
    """,
    # 10: arrears per commune and month, the employer lists (a month's latest upload replaces its list), and the
    #     publications of a month's list of violators, each a snapshot of the list as it was published
    """
    CREATE TABLE arrears_values (
        upload_id INTEGER NOT NULL,
        period VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        employers_late BIGINT,
        workers_affected BIGINT,
        amount_owed DOUBLE,
        employers_evading BIGINT,
        source_row INTEGER,
        written_name VARCHAR,
        match_method VARCHAR,
        match_score DOUBLE,
        PRIMARY KEY (upload_id, period, code)
    );
    CREATE TABLE employer_values (
        upload_id INTEGER NOT NULL,
        period VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        employer VARCHAR NOT NULL,
        tax_code VARCHAR NOT NULL,
        taxpayer VARCHAR NOT NULL,
        unit_code VARCHAR,
        months_late BIGINT,
        amount_owed DOUBLE NOT NULL,
        status VARCHAR NOT NULL,
        source_row INTEGER,
        written_name VARCHAR,
        match_method VARCHAR,
        match_score DOUBLE,
        PRIMARY KEY (upload_id, period, tax_code)
    );
    CREATE TABLE arrears_in_force AS
        SELECT period, code, employers_late, workers_affected, amount_owed, employers_evading, upload_id
        FROM arrears_values WITH NO DATA;
    CREATE TABLE employers_in_force AS
        SELECT period, code, employer, tax_code, taxpayer, unit_code, months_late, amount_owed, status, upload_id
        FROM employer_values WITH NO DATA;
    CREATE SEQUENCE publication_ids START 1;
    CREATE TABLE publications (
        id INTEGER PRIMARY KEY DEFAULT nextval('publication_ids'),
        period VARCHAR NOT NULL,
        published_on DATE NOT NULL,
        source VARCHAR NOT NULL,
        published_by VARCHAR NOT NULL,
        published_at TIMESTAMP NOT NULL,
        upload_id INTEGER NOT NULL,
        withdrawn_at TIMESTAMP,
        withdrawn_by VARCHAR
    );
    CREATE TABLE publication_rows (
        publication_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        employer VARCHAR NOT NULL,
        tax_code VARCHAR NOT NULL,
        commune VARCHAR NOT NULL,
        months_late BIGINT,
        amount_owed DOUBLE NOT NULL,
        status VARCHAR NOT NULL,
        PRIMARY KEY (publication_id, position)
    );
    """,
    # 11: failed logins counted per account and client address, so that guessing holds back that address rather
    #     than locking the account for everyone (analytics.access.accounts); username is the audit log's actor (the
    #     account, or "?" and a digest for an unknown name), client '' counts the failures from every address.
    #     The account-wide lock of migration 4 is lifted; its columns stay, unused.
    """
    CREATE TABLE login_failures (
        username VARCHAR NOT NULL,
        client VARCHAR NOT NULL,
        failures INTEGER NOT NULL,
        last_failure TIMESTAMP NOT NULL,
        PRIMARY KEY (username, client)
    );
    UPDATE users SET failed_attempts = 0, locked_until = NULL;
    """,
]
