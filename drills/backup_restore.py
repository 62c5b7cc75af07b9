"""Drill 2: backup and restore.

A database filled the way a site is (migrate, `generate_data --scale small`, `load_demo`, whose
records carry encrypted fields) is dumped with `pg_dump -Fc` and restored with `pg_restore`
into a new database. Then:

- the same tables exist, and every table has the same row count and the same checksum (md5 of
  all its rows as text, in primary-key order, computed by PostgreSQL); sequences match too;
- every encrypted value of the restored copy decrypts with the key ring, to the same plaintexts
  as the source (compared by a fingerprint, never printed);
- `manage.py audit_verify` passes on the restored copy.

Negative controls, on the restored copy: a wrong audit key makes audit_verify fail; a key ring
without the right key decrypts nothing; one row changed in the audit trail and one in another
table are both found by the checksum comparison, and the audit row by audit_verify as well.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from drills.cluster import Cluster
from drills.support import Outcome, Secrets, app_env, manage, new_field_key, probe, step

Fingerprints = dict[str, tuple[int, str]]

_PRIMARY_KEY = """
    SELECT a.attname
    FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
    WHERE i.indrelid = %s::regclass AND i.indisprimary
    ORDER BY array_position(i.indkey::int2[], a.attnum)
"""


def fingerprints(url: str) -> Fingerprints:
    """Row count and md5 of every table of the public schema, computed in SQL."""
    found: Fingerprints = {}
    with psycopg.connect(url, connect_timeout=5) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for table in tables:
            key = [row[0] for row in conn.execute(_PRIMARY_KEY, [f'public."{table}"'])]
            # Without a primary key the row text itself gives the order: still deterministic.
            order = (
                sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in key)
                if key
                else sql.SQL("t::text")
            )
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) "
                "FROM {} AS t"
            ).format(order, sql.Identifier("public", table))
            count, digest = conn.execute(query).fetchone() or (0, "")
            found[table] = (int(count), str(digest))
    return found


def sequences(url: str) -> dict[str, int | None]:
    """The last value of every sequence (None: never used), so new ids continue as before."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall()
    return {name: value for name, value in rows}


def differing(a: Fingerprints, b: Fingerprints) -> list[str]:
    return sorted(t for t in a.keys() | b.keys() if a.get(t) != b.get(t))


def audit_update_refused(url: str) -> bool:
    """The append-only trigger of the audit table came back with the restore."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        try:
            conn.execute("UPDATE audit_auditevent SET target_label = target_label WHERE seq = 1")
        except psycopg.errors.RaiseException:
            conn.rollback()
            return True
        conn.rollback()
    return False


def corrupt(url: str) -> tuple[str, str]:
    """Change one character of one audit row and of one organisation, as a faulty disk or a
    superuser's hand edit would (with the append-only trigger out of the way for this session
    only); return what was changed."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        conn.execute("SET session_replication_role = replica")
        seq = conn.execute(
            "UPDATE audit_auditevent SET target_label = target_label || '.' "
            "WHERE seq = (SELECT (max(seq) + 1) / 2 FROM audit_auditevent) RETURNING seq"
        ).fetchone()
        org = conn.execute(
            "UPDATE network_organization SET name = name || '.' "
            "WHERE id = (SELECT min(id) FROM network_organization) RETURNING id"
        ).fetchone()
    return (
        f"audit_auditevent seq={seq[0] if seq else '?'}",
        f"network_organization id={org[0] if org else '?'}",
    )


def drill(cluster: Cluster, filled: str, secrets_: Secrets, outcomes: list[Outcome]) -> None:
    outcome = Outcome("backup and restore (pg_dump -Fc / pg_restore)")
    control = Outcome("backup and restore, negative controls")
    outcomes.append(outcome)
    started = time.monotonic()
    ring = f"1:{secrets_.key1}"
    restored = "drills_restored"
    work = Path(tempfile.mkdtemp(prefix="ponte-drills-backup-"))
    try:
        dump = work / "ponte.dump"
        step("pg_dump -Fc")
        began = time.monotonic()
        cluster.tool("pg_dump", "-Fc", "-f", str(dump), "-d", filled)
        outcome.figure("pg_dump (s)", f"{time.monotonic() - began:.1f}")
        outcome.figure("dump size (KiB)", dump.stat().st_size // 1024)
        step("createdb + pg_restore")
        cluster.create_database(restored)
        began = time.monotonic()
        cluster.tool("pg_restore", "--exit-on-error", "--no-owner", "-d", restored, str(dump))
        outcome.figure("pg_restore (s)", f"{time.monotonic() - began:.1f}")

        step("row counts and checksums of every table")
        source_fp = fingerprints(cluster.url(filled))
        restored_fp = fingerprints(cluster.url(restored))
        rows = sum(count for count, _ in source_fp.values())
        outcome.figure("tables compared", len(source_fp))
        outcome.figure("non-empty tables", sum(1 for count, _ in source_fp.values() if count))
        outcome.figure("rows compared", rows)
        mismatched = differing(source_fp, restored_fp)
        outcome.check("the same tables", source_fp.keys() == restored_fp.keys())
        outcome.check(
            "every table: same row count and checksum",
            not mismatched and rows > 0,
            f"{len(mismatched)} differ{': ' + ', '.join(mismatched[:5]) if mismatched else ''}",
        )
        source_seq, restored_seq = sequences(cluster.url(filled)), sequences(cluster.url(restored))
        outcome.figure("sequences compared", len(source_seq))
        outcome.check("every sequence at the same value", source_seq == restored_seq)

        step("decrypt every encrypted value of the restored copy")
        env = app_env(cluster.url(restored), field_keys=ring, secrets_=secrets_)
        before = probe(app_env(cluster.url(filled), field_keys=ring, secrets_=secrets_), "decrypt")
        after = probe(env, "decrypt")
        outcome.figure("encrypted values decrypted (restored)", after["decrypted"])
        outcome.figure("models with encrypted values", after["models"])
        outcome.check(
            "every encrypted value decrypts with the key ring",
            after["failed"] == 0 and after["decrypted"] > 0 and after["orm_errors"] == 0,
            f"{after['failed']} failed",
        )
        outcome.check(
            "the plaintexts equal the source's",
            after["digest"] == before["digest"] and after["decrypted"] == before["decrypted"],
        )
        verify = manage(env, "audit_verify", check=False, timeout=120)
        outcome.check(
            "audit_verify passes on the restored copy",
            verify.returncode == 0,
            (verify.stdout or verify.stderr).strip()[-200:],
        )
        outcome.check(
            "the audit table is still append-only (an UPDATE is refused)",
            audit_update_refused(cluster.url(restored)),
        )
        outcome.seconds = time.monotonic() - started

        outcomes.append(control)
        started = time.monotonic()
        step("negative controls on the restored copy")
        wrong_audit = app_env(
            cluster.url(restored), field_keys=ring, secrets_=secrets_, audit_key="not-the-key"
        )
        result = manage(wrong_audit, "audit_verify", check=False, timeout=120)
        control.check(
            "audit_verify fails with a wrong audit key",
            result.returncode != 0,
            result.stderr.strip().splitlines()[-1][-160:] if result.stderr.strip() else "",
        )
        wrong_ring = app_env(
            cluster.url(restored), field_keys=f"1:{new_field_key()}", secrets_=secrets_
        )
        wrong = probe(wrong_ring, "decrypt")
        control.figure("values that fail to decrypt with a wrong key", wrong["failed"])
        control.check(
            "a wrong field key decrypts nothing",
            wrong["decrypted"] == 0 and wrong["failed"] == after["decrypted"],
        )
        changed = corrupt(cluster.url(restored))
        control.figure("rows changed", ", ".join(changed))
        found = differing(source_fp, fingerprints(cluster.url(restored)))
        control.figure("tables whose checksum differs", ", ".join(found) or "none")
        control.check(
            "the checksum comparison finds both changed tables",
            found == ["audit_auditevent", "network_organization"],
        )
        result = manage(env, "audit_verify", check=False, timeout=120)
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        control.check(
            "audit_verify finds the changed audit row",
            result.returncode != 0 and changed[0].split()[-1] in message,
            message[-160:],
        )
        control.seconds = time.monotonic() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
