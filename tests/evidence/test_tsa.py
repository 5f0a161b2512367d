"""Trusted time (RFC 3161) against a real local time-stamping authority: `openssl ts -reply`
answering on loopback behind a tiny HTTP handler, with a CA and a TSA certificate made by
openssl for the test. The token is checked here and by `openssl ts -verify` (GZ-24)."""

from __future__ import annotations

import base64
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from govshare.cli import app
from govshare.evidence import log_service, tsa, verifier
from govshare.evidence.keystore import KeyStore
from govshare.evidence.log_models import TreeHeadTimestamp

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")
runner = CliRunner()
PASSPHRASE = "广州政务-共享平台-2026"
CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = ./serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.156.1.2026.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ ext_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign
subjectKeyIdentifier = hash
[ ext_tsa ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
"""


def openssl(*args: str, cwd, data: bytes | None = None) -> bytes:
    return subprocess.run(["openssl", *args], cwd=cwd, input=data, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    """A root CA and a TSA certificate it issued (EC P-256 and RSA keys), made by openssl."""
    folder = tmp_path_factory.mktemp("tsa")
    (folder / "tsa.cnf").write_text(CONFIG)
    (folder / "serial").write_text("01\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-subj", "/CN=测试根证书/O=govshare test", "-days", "2", "-config", "tsa.cnf",
            "-extensions", "ext_ca", "-utf8", cwd=folder)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key",
            "-out", "tsa.csr", "-subj", "/CN=Local TSA", cwd=folder)
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "tsa.crt", "-days", "2", "-extfile", "tsa.cnf", "-extensions", "ext_tsa", cwd=folder)
    return folder


@pytest.fixture
def tsa_url(authority):
    """`openssl ts -reply` behind an HTTP handler on 127.0.0.1; `replies` records what it answered."""
    lock, replies = threading.Lock(), []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                answer = stale if (stale := getattr(server, "replay", None)) else openssl(
                    "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "/dev/stdin", "-inkey", "tsa.key",
                    "-signer", "tsa.crt", cwd=authority, data=query)
                replies.append(answer)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.replies = replies
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", server
    server.shutdown()
    server.server_close()


def openssl_ts_verify(authority, data: bytes, token: bytes, tmp_path) -> subprocess.CompletedProcess:
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "token.der").write_bytes(token)
    return subprocess.run(["openssl", "ts", "-verify", "-data", str(tmp_path / "data"), "-in",
                           str(tmp_path / "token.der"), "-token_in", "-CAfile", str(authority / "ca.crt"),
                           "-untrusted", str(authority / "tsa.crt")], capture_output=True, text=True)


@pytest.mark.req("GZ-24")
def test_a_token_from_a_real_tsa_is_checked_here_and_by_openssl(authority, tsa_url, tmp_path):
    url, _server = tsa_url
    data = b'{"root_hash":"ab","timestamp":1,"tree_size":1}'
    token = tsa.request_token(data, url)
    stamp = tsa.read_token(token)
    assert stamp.covers(data) and not stamp.covers(data + b" ") and stamp.signature_holds()
    assert stamp.signer == "CN=Local TSA"
    done = openssl_ts_verify(authority, data, token, tmp_path)
    assert done.returncode == 0 and "Verification: OK" in done.stdout, done
    assert openssl_ts_verify(authority, data + b"x", token, tmp_path).returncode == 1


@pytest.mark.req("GZ-24")
def test_a_changed_token_a_replayed_reply_and_a_silent_tsa_are_refused(authority, tsa_url):
    url, server = tsa_url
    token = tsa.request_token(b"first", url)
    changed = bytearray(token)
    changed[-5] ^= 1  # inside the signature
    assert not tsa.read_token(bytes(changed)).signature_holds()
    server.replay = server.replies[-1]  # an old reply, with the old nonce and imprint
    with pytest.raises(tsa.TimestampUnavailable, match="答复与请求不符"):
        tsa.request_token(b"second", url)
    with pytest.raises(tsa.TimestampUnavailable, match="无法访问"):
        tsa.request_token(b"third", "http://127.0.0.1:9/tsa", timeout=2)


@pytest.mark.req("GZ-24")
def test_a_checkpoint_is_time_stamped_and_its_evidence_file_carries_the_token(db, authority, tsa_url,
                                                                             tmp_path):
    url, _server = tsa_url
    store = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)
    store.create("platform")
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path), "GOVSHARE_TSA_URL": url,
           "GOVSHARE_KEY_PASSPHRASE": PASSPHRASE, "COLUMNS": "300"}
    result = runner.invoke(app, ["audit", "checkpoint"], env=env)
    assert result.exit_code == 0, result.output
    assert f"时间戳服务 {url} 已盖时间戳" in result.output
    with db.session() as s:
        head = log_service.latest_tree_head(s)
        stamp = s.get(TreeHeadTimestamp, head.id)
        signed = log_service.signed_head(head).signed_bytes()
    assert stamp.tsa_url == url and abs((stamp.gen_time - head.issued_at).total_seconds()) < 60
    assert openssl_ts_verify(authority, signed, stamp.token, tmp_path).returncode == 0

    out = tmp_path / "evidence.json"
    assert runner.invoke(app, ["audit", "evidence", "--out", str(out)], env=env).exit_code == 0
    verdict = verifier.verify_file(out)
    assert verdict.ok, verdict.findings
    timed = next(f for f in verdict.findings if f.part == "可信时间")
    assert timed.status == verifier.OK and "CN=Local TSA" in timed.message
    document = out.read_text(encoding="utf-8")
    assert base64.b64encode(stamp.token).decode() in document
