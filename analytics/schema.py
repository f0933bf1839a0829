"""Schema migrations, applied in order; never edit one that has shipped, add another."""

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
]
