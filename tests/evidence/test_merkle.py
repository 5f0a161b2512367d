"""The receipts' Merkle tree (GZ-23, GZ-24, GZ-26): RFC 9162 structure with SM3, checked three
ways — against the RFC 6962 test vectors (with SHA-256 swapped back in), against a naive
recursive transcription of the RFC's definitions for every size up to 70, and by hypothesis on
random trees; tampered proofs, heads and sizes all fail."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govshare.evidence import merkle, signing
from govshare.evidence.merkle import MerkleTree, verify_consistency, verify_inclusion


def sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


# -- a naive reference: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 transcribed literally ------------

def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def ref_mth(leaves: tuple[bytes, ...]) -> bytes:
    if not leaves:
        return sm3(b"")
    if len(leaves) == 1:
        return sm3(b"\x00" + leaves[0])
    k = _k(len(leaves))
    return sm3(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:]))


def ref_path(m: int, leaves: tuple[bytes, ...]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return ref_path(m, leaves[:k]) + [ref_mth(leaves[k:])]
    return ref_path(m - k, leaves[k:]) + [ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: tuple[bytes, ...], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, leaves[:k], b) + [ref_mth(leaves[k:])]
    return ref_subproof(m - k, leaves[k:], False) + [ref_mth(leaves[:k])]


LEAVES = tuple(f"snapshot-{i}".encode() for i in range(71))


def tree_of(n: int) -> MerkleTree:
    tree = MerkleTree()
    tree.extend(LEAVES[:n])
    return tree


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 0x80]) + h[1:]


# -- RFC 6962 test vectors (certificate-transparency's merkle_tree_test), SHA-256 ------------

RFC6962_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                  "606162636465666768696a6b6c6d6e6f"]
RFC6962_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
H_96A2 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
H_5F08 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
H_6B47 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
H_BC1A = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
H_CA85 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
H_0EBC = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"


def test_the_structure_is_rfc6962s_when_sha256_is_put_back(monkeypatch):
    monkeypatch.setattr(merkle, "_h", lambda data: hashlib.sha256(data).digest())
    tree = MerkleTree()
    for data, root in zip(RFC6962_INPUTS, RFC6962_ROOTS, strict=True):
        tree.append(bytes.fromhex(data))
        assert tree.root().hex() == root
    hexes = lambda proof: [p.hex() for p in proof]  # noqa: E731
    assert hexes(tree.inclusion_proof(0, 8)) == [H_96A2, H_5F08, H_6B47]
    assert hexes(tree.inclusion_proof(5, 8)) == [H_BC1A, H_CA85, RFC6962_ROOTS[3]]
    assert hexes(tree.inclusion_proof(2, 3)) == [RFC6962_ROOTS[1]]
    assert hexes(tree.inclusion_proof(1, 5)) == [RFC6962_ROOTS[0], H_5F08, H_BC1A]
    assert hexes(tree.consistency_proof(1, 8)) == [H_96A2, H_5F08, H_6B47]
    assert hexes(tree.consistency_proof(6, 8)) == [H_0EBC, H_CA85, RFC6962_ROOTS[3]]
    assert tree.consistency_proof(1, 1) == []


# -- SM3 against the naive reference ---------------------------------------------------------

def test_hashing_is_rfc9162_with_sm3():
    assert merkle.EMPTY_ROOT == sm3(b"") == MerkleTree().root()
    assert merkle.leaf_hash(b"x") == sm3(b"\x00x")
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == sm3(b"\x01" + b"a" * 32 + b"b" * 32)


@pytest.mark.req("GZ-24")
def test_roots_and_every_inclusion_proof_match_the_rfc_for_every_size_up_to_70():
    tree = MerkleTree()
    for n in range(1, 71):
        tree.append(LEAVES[n - 1])
        leaves = LEAVES[:n]
        root = tree.root()
        assert root == ref_mth(leaves)
        for m in range(n):
            proof = tree.inclusion_proof(m)
            assert proof == ref_path(m, leaves), (m, n)
            assert verify_inclusion(tree.leaf_hash(m), m, n, proof, root)
    # an old size is still answered from the grown tree
    assert all(tree.root(n) == ref_mth(LEAVES[:n]) for n in range(71))
    assert tree.inclusion_proof(3, 13) == ref_path(3, LEAVES[:13])


@pytest.mark.req("GZ-26")
def test_consistency_between_every_pair_of_sizes_up_to_40():
    tree = tree_of(40)
    for n in range(1, 41):
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == ref_subproof(m, LEAVES[:n], True), (m, n)
            assert verify_consistency(m, n, tree.root(m), tree.root(n), proof), (m, n)
            if m < n:
                # a log that rewrote history has another old root: the proof no longer holds
                assert not verify_consistency(m, n, flip(tree.root(m)), tree.root(n), proof)
                assert not verify_consistency(m, n, tree.root(m), flip(tree.root(n)), proof)
                for i in range(len(proof)):
                    bad = proof[:i] + [flip(proof[i])] + proof[i + 1:]
                    assert not verify_consistency(m, n, tree.root(m), tree.root(n), bad), (m, n, i)
                assert not verify_consistency(m, n, tree.root(m), tree.root(n), proof[:-1])
                assert not verify_consistency(m, n, tree.root(m), tree.root(n), proof + [proof[-1]])
                assert not verify_consistency(m, n, tree.root(m), tree.root(n), [])


def test_consistency_edge_cases():
    tree = tree_of(9)
    assert tree.consistency_proof(0, 9) == [] and tree.consistency_proof(9, 9) == []
    assert verify_consistency(0, 9, merkle.EMPTY_ROOT, tree.root(), [])
    assert verify_consistency(9, 9, tree.root(), tree.root(), [])
    assert not verify_consistency(9, 9, tree.root(), tree.root(8), [])
    assert not verify_consistency(9, 9, tree.root(), tree.root(), [tree.root()])
    assert not verify_consistency(9, 8, tree.root(9), tree.root(8), tree.consistency_proof(8, 9))
    # a proof for other sizes does not pass for these
    assert not verify_consistency(3, 9, tree.root(3), tree.root(9), tree.consistency_proof(5, 9))
    with pytest.raises(ValueError):
        tree.consistency_proof(10, 9)
    with pytest.raises(ValueError):
        tree.consistency_proof(2, 10)


@pytest.mark.req("GZ-23")
def test_a_tampered_inclusion_proof_or_leaf_fails():
    tree = tree_of(71)
    root = tree.root(70)
    for m in (0, 1, 31, 32, 63, 64, 68, 69):
        leaf, proof = tree.leaf_hash(m), tree.inclusion_proof(m, 70)
        assert verify_inclusion(leaf, m, 70, proof, root)
        assert not verify_inclusion(merkle.leaf_hash(b"changed"), m, 70, proof, root)
        assert not verify_inclusion(leaf, m, 70, proof, flip(root))
        for i in range(len(proof)):
            assert not verify_inclusion(leaf, m, 70, proof[:i] + [flip(proof[i])] + proof[i + 1:], root)
        assert not verify_inclusion(leaf, m, 70, proof[:-1], root)
        assert not verify_inclusion(leaf, m, 70, proof + [root], root)
        assert not verify_inclusion(leaf, m ^ 1, 70, proof, root)
        # the size is only ever checked together with its root (both signed in the tree head)
        assert not verify_inclusion(leaf, m, 71, proof, tree.root(71))
        assert not verify_inclusion(leaf, 70, 70, proof, root)
        assert not verify_inclusion(leaf, -1, 70, proof, root)


def test_a_proof_too_short_for_the_claimed_size_fails_even_with_a_matching_root():
    """RFC 9162 §2.1.3.2 step 5 (sn must reach 0): a size-64 proof against size 71 is refused."""
    tree = tree_of(71)
    proof = tree.inclusion_proof(5, 64)
    assert verify_inclusion(tree.leaf_hash(5), 5, 64, proof, tree.root(64))
    assert not verify_inclusion(tree.leaf_hash(5), 5, 71, proof, tree.root(64))
    cons = tree.consistency_proof(3, 64)
    assert verify_consistency(3, 64, tree.root(3), tree.root(64), cons)
    assert not verify_consistency(3, 71, tree.root(3), tree.root(64), cons)


def test_bad_indexes_and_sizes_are_refused():
    tree = tree_of(5)
    for call in (lambda: tree.inclusion_proof(5), lambda: tree.inclusion_proof(0, 6),
                 lambda: tree.inclusion_proof(-1), lambda: tree.root(6), lambda: tree.leaf_hash(5),
                 lambda: tree.append_leaf_hash(b"short")):
        with pytest.raises(ValueError):
            call()
    assert MerkleTree(tree.leaf_hash(i) for i in range(5)).root() == tree.root()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 300), data=st.data())
def test_random_trees_and_proofs_agree_with_the_reference(n, data):
    leaves = tuple(data.draw(st.lists(st.binary(max_size=40), min_size=n, max_size=n)))
    tree = MerkleTree()
    tree.extend(leaves)
    size = data.draw(st.integers(1, n))
    m = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    assert tree.root(size) == ref_mth(leaves[:size])
    assert tree.inclusion_proof(m, size) == ref_path(m, leaves[:size])
    assert verify_inclusion(merkle.leaf_hash(leaves[m]), m, size, tree.inclusion_proof(m, size),
                            tree.root(size))
    proof = tree.consistency_proof(old, size)
    assert proof == (ref_subproof(old, leaves[:size], True) if old < size else [])
    assert verify_consistency(old, size, tree.root(old), tree.root(size), proof)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 5000), data=st.data())
def test_large_random_proofs_verify_and_any_flipped_bit_fails(n, data):
    tree = MerkleTree(merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n))
    m = data.draw(st.integers(0, n - 1))
    proof = tree.inclusion_proof(m)
    assert verify_inclusion(tree.leaf_hash(m), m, n, proof, tree.root())
    i = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    bad = bytearray(proof[i])
    bad[bit // 8] ^= 1 << (bit % 8)
    assert not verify_inclusion(tree.leaf_hash(m), m, n, proof[:i] + [bytes(bad)] + proof[i + 1:],
                                tree.root())


# -- signed tree heads -----------------------------------------------------------------------

@pytest.mark.req("GZ-24")
@pytest.mark.parametrize("algorithm", signing.ALGORITHMS)
def test_a_signed_tree_head_verifies_here_and_with_openssl_and_breaks_when_changed(tmp_path, algorithm):
    signer = signing.generate(algorithm)
    tree = tree_of(1000 % 71)
    head = merkle.sign_tree_head(tree, signer, timestamp=1_795_000_000_123)
    assert head.verify(signer.verifier)
    assert head.signed_bytes() == (b'{"root_hash":"%s","timestamp":1795000000123,"tree_size":%d}'
                                   % (tree.root().hex().encode(), tree.size))
    again = merkle.SignedTreeHead.from_dict(head.to_dict())
    assert again == head and again.verify(signing.load_verifier(signer.verifier.public_pem))
    for changed in (dict(tree_size=head.tree_size + 1), dict(root_hash=flip(head.root_hash)),
                    dict(timestamp=head.timestamp + 1)):
        assert not merkle.SignedTreeHead(**{**head.__dict__, **changed}).verify(signer.verifier)
    assert not head.verify(signing.generate(algorithm).verifier)

    if shutil.which("openssl"):
        (tmp_path / "pub.pem").write_bytes(signer.verifier.public_pem)
        (tmp_path / "sth.json").write_bytes(head.signed_bytes())
        (tmp_path / "sth.sig").write_bytes(head.signature)
        sm2 = (["-digest", "sm3", "-pkeyopt", "distid:1234567812345678"]
               if algorithm == signing.SM2_SM3 else [])
        done = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
                               "-in", "sth.json", "-sigfile", "sth.sig", *sm2],
                              cwd=tmp_path, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_tree_head_of_an_older_size_and_malformed_heads():
    signer = signing.generate(signing.ED25519)
    tree = tree_of(20)
    head = merkle.sign_tree_head(tree, signer, size=7)
    assert head.tree_size == 7 and head.root_hash == ref_mth(LEAVES[:7]) and head.verify(signer.verifier)
    assert head.timestamp > 1_700_000_000_000
    good = head.to_dict()
    for bad in ({**good, "root_hash": "zz"}, {**good, "signature": "***"}, {**good, "root_hash": "00"},
                {**good, "hash_algorithm": "SHA-256"}, {k: v for k, v in good.items() if k != "tree_size"}):
        with pytest.raises(ValueError):
            merkle.SignedTreeHead.from_dict(bad)


# -- the shell check in docs/evidence.md ------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "evidence.md"


def documented_receipt_check() -> str:
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("<!-- tested: receipt-check -->", 1)[1]
    return block.split("```bash\n", 1)[1].split("```", 1)[0]


@pytest.mark.req("GZ-24")
@pytest.mark.skipif(not all(shutil.which(t) for t in ("bash", "openssl", "jq", "xxd")),
                    reason="needs bash, openssl, jq and xxd")
def test_the_documented_shell_check_verifies_a_receipt(tmp_path):
    """Standard tools alone accept a genuine receipt and refuse a changed snapshot or proof."""
    signer = signing.generate(signing.SM2_SM3)
    tree = MerkleTree()
    snapshots = [json.dumps({"snapshot_id": i, "姓名": "张三"}, ensure_ascii=False).encode()
                 for i in range(23)]
    tree.extend(snapshots)
    head = merkle.sign_tree_head(tree, signer)
    (tmp_path / "check.sh").write_text(documented_receipt_check(), encoding="utf-8")
    (tmp_path / "pub.pem").write_bytes(signer.verifier.public_pem)

    def check(index: int, snapshot: bytes, proof: list[bytes]) -> subprocess.CompletedProcess:
        (tmp_path / "snapshot.json").write_bytes(snapshot)
        (tmp_path / "evidence.json").write_text(json.dumps({
            "leaf_index": index, "inclusion_proof": [p.hex() for p in proof], "tree_head": head.to_dict()}))
        return subprocess.run(["bash", "check.sh"], cwd=tmp_path, capture_output=True, text=True, timeout=60)

    for index in (13, 22):
        done = check(index, snapshots[index], tree.inclusion_proof(index))
        assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout, done
        assert "包含证明成立" in done.stdout
    changed = check(13, snapshots[13].replace("张三".encode(), "李四".encode()), tree.inclusion_proof(13))
    assert changed.returncode == 1 and "包含证明不成立" in changed.stdout
    proof = tree.inclusion_proof(13)
    assert check(13, snapshots[13], proof[:1] + [flip(proof[1])] + proof[2:]).returncode == 1
    assert check(12, snapshots[13], proof).returncode == 1
