"""`govshare demo` without GOVSHARE_KEY_PASSPHRASE sets a demo passphrase in its own process and
says so, so that licences load sealed out of the box (GZ-23); a passphrase already set is kept."""

from __future__ import annotations

import os

import pytest

from govshare.demo.keys import DEMO_PASSPHRASE, use_demo_passphrase
from govshare.evidence.keystore import PASSPHRASE_ENV, KeyStore
from govshare.exchange import ingest_service
from tests.exchange.helpers import LICENCE, actor, body, code_of, enterprise


@pytest.mark.req("GZ-23")
def test_the_demo_passphrase_lets_licences_load_sealed(db, tmp_path, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    said = []
    assert use_demo_passphrase(said.append)
    assert os.environ[PASSPHRASE_ENV] == DEMO_PASSPHRASE
    assert len(said) == 1 and "演示口令" in said[0] and DEMO_PASSPHRASE in said[0]
    with db.session() as s:
        result = ingest_service.load_records(s, actor(s, "market_clerk"), code_of(s, LICENCE),
                                             body([enterprise(0)]), "json", keys=KeyStore(tmp_path / "keys"))
    assert (result.records, result.sealed) == (1, 1)


def test_a_passphrase_already_set_is_kept(monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "运维人员自己的口令-2026")
    said = []
    assert not use_demo_passphrase(said.append)
    assert os.environ[PASSPHRASE_ENV] == "运维人员自己的口令-2026" and said == []
