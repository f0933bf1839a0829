"""One commune's story in one place: who it is, how its name was matched, the uploads that touched its figures
and the findings about it. Its figures, rank and reporting come from the same functions as every other page.
"""

from __future__ import annotations

import re

import pandas as pd

from analytics.figures import standing
from analytics.storage import db
from analytics.storage.db import Connection
from analytics.units.communes import resolve_code


def identity(con: Connection, code: str) -> dict:
    """code, name, unit_type, former_district, former_province, target, voluntary_min and aliases of a unit;
    ``code`` may be an alias. UnknownCommune when no unit has it."""
    code = resolve_code(con, code)
    row = standing.commune_units(con).set_index("code").loc[code].to_dict()
    unit_type = db.value(con, "SELECT unit_type FROM communes WHERE code = ?", [code])
    aliases = [r[0] for r in db.rows(con, "SELECT alias FROM commune_aliases WHERE code = ? ORDER BY alias", [code])]
    return {"code": code, **row, "unit_type": unit_type, "aliases": aliases}


def uploads(con: Connection, code: str) -> pd.DataFrame:
    """Every upload that holds a figure of the unit: id, kind, file, who, when, the periods it gave, withdrawn."""
    return db.query(con, """
        SELECT u.id, u.kind, u.file_name, u.uploaded_by, u.uploaded_at,
               string_agg(DISTINCT v.period, ', ' ORDER BY v.period) AS periods, u.is_demo, u.withdrawn_at
        FROM (SELECT upload_id, period, code FROM monthly_values
              UNION ALL SELECT upload_id, CAST(year AS VARCHAR), code FROM annual_values) v
        JOIN uploads u ON u.id = v.upload_id
        WHERE v.code = ?
        GROUP BY ALL ORDER BY u.uploaded_at, u.id""", [code])


def name_matches(con: Connection, code: str) -> pd.DataFrame:
    """How the unit's name was written and matched: in the plan's appendix, in uploaded files, and the written
    names people confirmed as this unit.

    source ('appendix', 'upload' or 'confirmation'), written, method, score, status (the appendix row's),
    uploads (how many).
    """
    return db.query(con, """
        SELECT 'appendix' AS source, name_as_printed AS written, method, score, status, NULL AS uploads
        FROM appendix_rows WHERE code = ?
        UNION ALL
        SELECT 'upload', written_name, match_method, max(match_score), NULL, count(DISTINCT upload_id)
        FROM monthly_values WHERE code = ? AND written_name IS NOT NULL
        GROUP BY written_name, match_method
        UNION ALL
        SELECT 'confirmation', written_name, 'confirmed', NULL, NULL, NULL FROM name_confirmations WHERE code = ?
        ORDER BY source, written""", [code, code, code])


def findings(con: Connection, code: str) -> pd.DataFrame:
    """Findings about the unit: on its appendix rows (subject 'STT n «name»'), on the unit itself
    ('name (code)'), and appendix rows matched to no unit that name it among their nearest candidates."""
    name = db.value(con, "SELECT name FROM communes WHERE code = ?", [code])
    return db.query(con, """
        SELECT kind, subject, detail, status FROM findings
        WHERE subject IN (SELECT 'STT ' || stt || ' «' || name_as_printed || '»' FROM appendix_rows WHERE code = ?)
           OR subject = ? || ' (' || ? || ')'
           OR (kind = 'unmatched_row' AND regexp_matches(detail, '[:,] ' || ? || '[,)]'))
        ORDER BY id""", [code, name, code, re.escape(name or "")])
