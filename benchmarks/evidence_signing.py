"""How fast do seals sign and verify? SM2-SM3 and Ed25519 signatures per second, for every
binding that is importable here, and through govshare.evidence.signing (the wrapper's cost
shows as its ratio to the raw tongsuopy call measured in the same run).

    .venv/bin/python benchmarks/evidence_signing.py [--seconds 1.5] [--size 600]

Only tongsuopy and cryptography are project dependencies. The other SM2 candidates are measured
when installed — to repeat the comparison in docs/evidence.md, in a scratch venv:
    pip install tongsuopy cryptography gmssl-pyx gmssl-fast smcryptopy gmssl
Each SM2 binding's signature is also checked with the real `openssl pkeyutl -verify ... -digest
sm3 -pkeyopt distid:1234567812345678`, so a fast binding that signs wrongly cannot win.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from govshare.evidence import signing  # noqa: E402

SIGNER_ID = b"1234567812345678"
SM2_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d03420004")


def rate(fn: Callable[[], object], seconds: float, rounds: int = 3) -> float:
    """Calls per second: the best of `rounds` windows, since other work on a shared machine only
    ever slows a window down."""
    best = 0.0
    for _ in range(rounds):
        done, start = 0, time.perf_counter()
        while True:
            for _ in range(20):
                fn()
            done += 20
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / rounds:
                break
        best = max(best, done / elapsed)
    return best


def threaded_rate(fn: Callable[[], object], seconds: float, threads: int = 2) -> float:
    """The same call from `threads` threads: more than 1x only if the binding releases the GIL."""
    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(lambda _: rate(fn, seconds), range(threads)))


def der_signature(raw: bytes) -> bytes:
    def integer(b: bytes) -> bytes:
        b = b.lstrip(b"\0") or b"\0"
        b = b"\0" + b if b[0] & 0x80 else b
        return b"\x02" + bytes([len(b)]) + b
    body = integer(raw[:32]) + integer(raw[32:])
    return b"\x30" + bytes([len(body)]) + body


def sm2_pem(xy: bytes) -> bytes:
    der = SM2_SPKI_PREFIX + xy[-64:]
    return b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END PUBLIC KEY-----\n"


def openssl_says(pem: bytes, message: bytes, signature: bytes) -> str:
    if shutil.which("openssl") is None:
        return "openssl 不在"
    with tempfile.TemporaryDirectory() as folder:
        d = Path(folder)
        (d / "pub.pem").write_bytes(pem)
        (d / "msg").write_bytes(message)
        (d / "sig").write_bytes(signature)
        done = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
                               "-in", "msg", "-sigfile", "sig", "-digest", "sm3", "-pkeyopt",
                               "distid:1234567812345678"], cwd=d, capture_output=True, text=True)
    return "openssl 验证通过" if done.returncode == 0 else "openssl 验证失败"


def candidates(message: bytes):
    """(name, sign, verify, public PEM, DER signature) for each importable SM2 binding."""
    from tongsuopy.crypto import hashes, serialization
    from tongsuopy.crypto.asymciphers import ec

    key = ec.generate_private_key(ec.SM2())
    alg = ec.ECDSA(hashes.SM3())
    sig = key.sign(message, alg)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    yield ("tongsuopy (原始调用)", lambda: key.sign(message, alg),
           lambda: key.public_key().verify(sig, message, alg), pem, sig)
    try:
        import gmssl_pyx as g
        pk, sk = g.sm2_key_generate()
        sig = g.sm2_sign(sk, pk, message, SIGNER_ID)
        yield ("gmssl-pyx", lambda: g.sm2_sign(sk, pk, message, SIGNER_ID),
               lambda: g.sm2_verify(pk, message, sig, SIGNER_ID), sm2_pem(pk), sig)
    except ImportError:
        print("gmssl-pyx   未安装，跳过")
    try:
        from gmssl_fast import SM2
        s = SM2.generate()
        raw = s.sign(message)
        yield ("gmssl-fast", lambda: s.sign(message), lambda: s.verify(message, raw),
               sm2_pem(bytes.fromhex(s.public_key_hex)), der_signature(raw))
    except ImportError:
        print("gmssl-fast  未安装，跳过")
    try:
        from smcryptopy import sm2 as rs
        sk, pk = rs.gen_keypair()
        sig = rs.sign(SIGNER_ID, message, sk)
        yield ("smcryptopy", lambda: rs.sign(SIGNER_ID, message, sk),
               lambda: rs.verify(SIGNER_ID, message, sig, pk), sm2_pem(bytes.fromhex(pk)),
               sig if len(sig) != 64 else der_signature(sig))
    except ImportError:
        print("smcryptopy  未安装，跳过")
    try:
        from gmssl import sm2 as pure
        sk = os.urandom(32).hex()
        pk = pure.CryptSM2(private_key=sk, public_key="")._kg(int(sk, 16), pure.default_ecc_table["g"])
        c = pure.CryptSM2(private_key=sk, public_key=pk)
        raw = bytes.fromhex(c.sign_with_sm3(message))
        yield ("gmssl (纯 Python)", lambda: c.sign_with_sm3(message),
               lambda: c.verify_with_sm3(raw.hex(), message), sm2_pem(bytes.fromhex(pk)), der_signature(raw))
    except ImportError:
        print("gmssl       未安装，跳过")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--size", type=int, default=600, help="bytes signed (a seal's canonical JSON)")
    args = parser.parse_args()
    message = os.urandom(args.size)
    print(f"消息 {args.size} 字节，每项测 {args.seconds} 秒，单线程；2 核机器\n")
    print(f"{'SM2 绑定':22s} {'签名/秒':>9s} {'验签/秒':>9s}  互通")
    baseline = None
    for name, sign, verify, pem, sig in candidates(message):
        s, v = rate(sign, args.seconds), rate(verify, args.seconds)
        baseline = baseline or s
        print(f"{name:22s} {s:9.0f} {v:9.0f}  {openssl_says(pem, message, sig)}")

    print(f"\n{'govshare.evidence.signing':26s} {'签名/秒':>9s} {'验签/秒':>9s} {'2 线程签名/秒':>12s}")
    results = {}
    for algorithm in signing.ALGORITHMS:
        signer = signing.generate(algorithm)
        sig = signer.sign(message)
        sign = lambda signer=signer: signer.sign(message)  # noqa: E731
        s = rate(sign, args.seconds)
        v = rate(lambda verifier=signer.verifier, sig=sig: verifier.verify(message, sig), args.seconds)
        t = threaded_rate(sign, args.seconds)
        results[algorithm] = s
        print(f"{algorithm:26s} {s:9.0f} {v:9.0f} {t:12.0f}")
    print(f"\n封装开销：SM2 经 signing.py / 直接调用 tongsuopy = {results[signing.SM2_SM3] / baseline:.2f}")
    print(f"Ed25519 / SM2 签名速度 = {results[signing.ED25519] / results[signing.SM2_SM3]:.1f} 倍")


if __name__ == "__main__":
    main()
