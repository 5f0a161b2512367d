"""Electronic seals over records (evidence/seals.py, no database): stock openssl verifies the
agency's signature over the sealed document (GZ-24), a changed value or byte breaks the seal
(GZ-23, GZ-26), and a disclosure of some items proves them without revealing the others."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from datetime import UTC, datetime

import pytest
import rfc8785

from govshare.evidence import seals, signing
from tests.evidence.test_signing import flip, openssl_verify

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")

AGENCY = seals.SealAgency(5, "广州市市场监督管理局", "11440100MB2C92051X")
PRODUCED = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
LICENCE = {"统一社会信用代码": "91440101MA59XXXX0X", "企业名称": "广州市天河区示例科技有限公司",
           "法定代表人": "王伟", "注册资本": 1000000, "成立日期": "2010-01-01", "登记状态": "存续",
           "是否分支机构": False, "很长的编号": 2**60 + 1}
BROKEN = "印章签名不成立：签名文档在盖章后被改动，或签名不是该机关的印章密钥所签。"


def sealed(algorithm=signing.SM2_SM3, data=None):
    signer = signing.generate(algorithm)
    seal = seals.seal_record(signer, AGENCY, "101001/000001", "91440101MA59XXXX0X", 17, PRODUCED,
                             PRODUCED, data or LICENCE, datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    return signer, seal


def check(seal, pem, data=LICENCE, **changed):
    args = dict(resource_code="101001/000001", subject="91440101MA59XXXX0X", load_id=17,
                produced_at=PRODUCED, valid_from=PRODUCED, data=data)
    args.update(changed)
    return seals.check_record(seal, pem, **args)


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_openssl_verifies_the_seal_over_the_sealed_document(tmp_path, algorithm):
    signer, seal = sealed(algorithm)
    (tmp_path / "pub.pem").write_bytes(signer.verifier.public_pem)
    document = seal.sealed.encode("utf-8")
    assert openssl_verify(tmp_path, algorithm, document, seal.signature)
    # The document is RFC 8785 JSON naming the seal, the agency, the record; items as digests only.
    body = json.loads(document)
    assert rfc8785.dumps(body) == document
    assert body["type"] == "govshare.seal.v1" and body["seal_id"] == seal.seal_id
    assert body["agency"] == {"id": 5, "name": "广州市市场监督管理局", "credit_code": "11440100MB2C92051X"}
    assert (body["subject"], body["load_id"], body["produced_at"]) == ("91440101MA59XXXX0X", 17,
                                                                         "2026-11-27T01:30:00+00:00")
    assert set(body["items"]) == set(LICENCE) and "王伟" not in seal.sealed
    # Each digest is SM3 over [salt, item, value], recomputable by anyone with the salt.
    salt = seal.salts["法定代表人"]
    assert len(bytes.fromhex(salt)) == 16
    expected = hashlib.new("sm3", rfc8785.dumps([salt, "法定代表人", "王伟"])).hexdigest()
    assert body["items"]["法定代表人"] == expected
    # One changed byte of the document: openssl refuses it.
    assert not openssl_verify(tmp_path, algorithm, flip(document, 40), seal.signature)


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-26")
@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_a_stored_record_matches_its_seal_until_a_value_changes(algorithm):
    signer, seal = sealed(algorithm)
    pem = signer.verifier.public_pem
    assert check(seal, pem) == []
    changed = check(seal, pem, data={**LICENCE, "登记状态": "注销"})
    assert changed == ["信息项“登记状态”的值与印章不符：盖章后被改动。"]
    assert check(seal, pem, data={**LICENCE, "注册资本": 1000001}) != []
    assert check(seal, pem, data={**LICENCE, "很长的编号": 2**60 + 2}) != []
    assert check(seal, pem, data={**LICENCE, "是否分支机构": 0}) != []  # a type counts as a change
    gone = {k: v for k, v in LICENCE.items() if k != "法定代表人"}
    assert "缺少：法定代表人" in check(seal, pem, data=gone)[0]
    assert "多出：住所" in check(seal, pem, data={**LICENCE, "住所": "广州市"})[0]
    assert check(seal, pem, subject="91440101MA59YYYY0X") == ["记录的主体标识与印章不符。"]
    earlier = datetime(2026, 11, 27, tzinfo=UTC)
    assert check(seal, pem, produced_at=earlier) == ["记录的数据产生时间与印章不符。"]
    # The document itself edited (and re-serialised canonically): the signature breaks.
    body = json.loads(seal.sealed)
    body["items"]["登记状态"] = seals.item_digest(seal.salts["登记状态"], "登记状态", "注销")
    forged = type(seal)(**{**vars(seal), "sealed": rfc8785.dumps(body).decode()})
    problems = check(forged, pem, data={**LICENCE, "登记状态": "注销"})
    assert problems == [BROKEN]
    # Another agency's key does not verify it.
    other = signing.generate(algorithm).verifier.public_pem
    assert "公钥与印章所记的密钥标识不符。" in check(seal, other)


@pytest.mark.req("GZ-23")
@pytest.mark.req("GZ-24")
def test_a_disclosure_proves_the_shown_items_and_reveals_nothing_of_the_others(tmp_path):
    signer, seal = sealed()
    pem = signer.verifier.public_pem
    part = seals.disclose(seal, LICENCE, ["统一社会信用代码", "企业名称", "登记状态"])
    assert set(part) == {"seal_id", "agency_id", "agency_name", "key_id", "algorithm", "sealed",
                         "signature", "disclosed"}
    assert (part["agency_id"], part["agency_name"], part["key_id"]) == (5, AGENCY.name, signer.key_id)
    assert seals.check_disclosure(part, pem) == []
    # Masked and ungranted values are nowhere in the disclosure, nor their salts.
    text = json.dumps(part, ensure_ascii=False)
    assert "王伟" not in text and "1000000" not in text and seal.salts["法定代表人"] not in text
    assert set(part["disclosed"]) == {"统一社会信用代码", "企业名称", "登记状态"}
    # The same signature still checks with openssl over the disclosed document.
    (tmp_path / "pub.pem").write_bytes(pem)
    assert openssl_verify(tmp_path, signing.SM2_SM3, part["sealed"].encode(),
                          base64.b64decode(part["signature"]))
    # A disclosed value changed, a salt changed, an item the seal does not hold: each fails.
    bad = json.loads(text)
    bad["disclosed"]["登记状态"]["value"] = "吊销"
    assert seals.check_disclosure(bad, pem) == ["信息项“登记状态”披露的值与印章所盖的不符：值被改动。"]
    bad = json.loads(text)
    bad["disclosed"]["企业名称"]["salt"] = "00" * 16
    assert seals.check_disclosure(bad, pem) != []
    bad = json.loads(text)
    bad["disclosed"]["住所"] = {"salt": "00" * 16, "value": "广州市"}
    assert seals.check_disclosure(bad, pem) == ["信息项“住所”不在印章所盖的信息项中。"]
    bad = json.loads(text)
    bad["sealed"] = bad["sealed"].replace('"load_id":17', '"load_id":18')
    assert seals.check_disclosure(bad, pem) == [BROKEN]
    bad = json.loads(text)
    bad["signature"] = base64.b64encode(flip(base64.b64decode(bad["signature"]), 10)).decode()
    assert seals.check_disclosure(bad, pem) == [BROKEN]


def test_salts_differ_per_item_and_per_seal():
    _, one = sealed()
    _, two = sealed()
    assert len(set(one.salts.values())) == len(LICENCE)
    assert one.salts["企业名称"] != two.salts["企业名称"]
    assert json.loads(one.sealed)["items"]["企业名称"] != json.loads(two.sealed)["items"]["企业名称"]


@pytest.mark.req("GZ-23")
def test_the_fast_item_form_is_exactly_rfc_8785():
    texts = ["存续", "", 'a"b\\c', "\x00\x01\x1f\x7f", "\b\f\n\r\t", "\u2028\u2029", "😀 广州", "é"]
    values = [*texts, 0, -1, 2**53 - 1, -(2**53 - 1), True, False, None]
    for item in texts:
        for value in values:
            assert seals._canonical_item("00ff", item, value) == rfc8785.dumps(["00ff", item, value])
    assert seals._canonical_item("00", "x", 1.5) == rfc8785.dumps(["00", "x", 1.5])
