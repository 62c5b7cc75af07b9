"""Drill 3: rotation of the field-encryption key.

On a copy of the filled database, whose encrypted values were all written with key 1:

1. ring "1:<k1>": every stored value carries `pf1:1:` and decrypts;
2. ring "1:<k1>,2:<k2>": the old values still decrypt, to the same plaintexts; a new write
   through the sync service is stored under key 2 (`pf1:2:`);
3. `manage.py reencrypt` (same ring) moves every value to key 2: no `pf1:1:` is left;
4. ring "2:<k2>" alone reads everything, to the same plaintexts as before the re-encryption,
   and `audit_verify` passes.

Negative control: ring "2:<k2>" alone BEFORE reencrypt cannot read the old values (each one
fails with DecryptionError): the reads of step 4 are a real test of the re-encryption.
"""

from __future__ import annotations

import re
import time

from drills.cluster import Cluster
from drills.support import Outcome, Secrets, app_env, manage, probe, step


def drill(cluster: Cluster, filled: str, secrets_: Secrets, outcomes: list[Outcome]) -> None:
    outcome = Outcome("key rotation (key 1 -> key 2, reencrypt)")
    control = Outcome("key rotation, negative control (key 2 alone before reencrypt)")
    outcomes += [outcome, control]
    started = time.monotonic()
    database = "drills_keys"
    cluster.create_database(database, template=filled)
    url = cluster.url(database)
    k1, k2 = f"1:{secrets_.key1}", f"2:{secrets_.key2}"
    ring1 = app_env(url, field_keys=k1, secrets_=secrets_)
    ring12 = app_env(url, field_keys=f"{k1},{k2}", secrets_=secrets_)
    ring2 = app_env(url, field_keys=k2, secrets_=secrets_)

    step('ring "1": what is stored')
    census = probe(ring1, "census")
    old_values = census["values"]
    outcome.figure("encrypted fields in the schema", census["fields"])
    outcome.figure("stored values by key id (start)", census["by_key"])
    outcome.check(
        "every stored value is under key 1", census["by_key"] == {"1": old_values} and old_values
    )
    start = probe(ring1, "decrypt")
    outcome.check("every value decrypts with key 1", start["failed"] == 0, f"{start['decrypted']}")

    step('control: ring "2" alone before reencrypt')
    blind = probe(ring2, "decrypt")
    control.figure("values decrypted / failed", f"{blind['decrypted']} / {blind['failed']}")
    control.figure("ORM reads that raised", f"{blind['orm_errors']} {blind['orm_error_types']}")
    control.check(
        "key 2 alone cannot read the values of key 1 (DecryptionError)",
        blind["decrypted"] == 0
        and blind["failed"] == old_values
        and blind["orm_error_types"] == ["DecryptionError"],
    )

    step('ring "1,2": old values readable, new writes under key 2')
    both = probe(ring12, "decrypt")
    outcome.check(
        "old values readable with the ring 1,2, same plaintexts",
        both["failed"] == 0 and both["digest"] == start["digest"],
    )
    written = probe(ring12, "write-contact")
    outcome.figure("new contact written (sync service)", written["status"])
    outcome.figure("key ids of its stored values", written["stored_key_ids"])
    outcome.check(
        "a new write is stored under key 2 (pf1:2:) and reads back",
        written["status"] == "created"
        and written["stored_key_ids"] == ["2"]
        and written["read_back"],
    )
    before = probe(ring12, "decrypt")
    total = before["decrypted"]

    step("manage.py reencrypt")
    began = time.monotonic()
    result = manage(ring12, "reencrypt", timeout=300)
    outcome.figure("reencrypt (s)", f"{time.monotonic() - began:.1f}")
    match = re.search(r"Re-encrypted (\d+) values with key (\d+)", result.stdout)
    moved = int(match.group(1)) if match else -1
    outcome.figure("values re-encrypted", moved)
    after = probe(ring12, "census")
    outcome.figure("stored values by key id (after reencrypt)", after["by_key"])
    outcome.check(
        "reencrypt moved every key-1 value to key 2, no pf1:1: left",
        after["by_key"] == {"2": total} and moved == old_values,
        f"{moved} moved, {old_values} were under key 1",
    )

    step('ring "2" alone')
    final = probe(ring2, "decrypt")
    outcome.figure("values decrypted with key 2 alone", final["decrypted"])
    outcome.check(
        "key 2 alone reads everything, same plaintexts",
        final["failed"] == 0
        and final["orm_errors"] == 0
        and final["decrypted"] == total
        and final["digest"] == before["digest"],
    )
    verify = manage(ring2, "audit_verify", check=False, timeout=120)
    outcome.check(
        "audit chain intact",
        verify.returncode == 0,
        (verify.stdout or verify.stderr).strip()[-200:],
    )
    outcome.seconds = time.monotonic() - started
