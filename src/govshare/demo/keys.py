"""The demo's key passphrase: licences and documents are sealed as they load (GZ-23), and seal
keys are encrypted with GOVSHARE_KEY_PASSPHRASE. A demo started without one gets a fixed demo
passphrase, set in this process only and said so, so that sealed loads work out of the box. A
real platform sets its own (docs/evidence.md, Keys at rest)."""

from __future__ import annotations

import os
from collections.abc import Callable

from govshare.evidence.keystore import PASSPHRASE_ENV

DEMO_PASSPHRASE = "govshare-demo-passphrase"  # printed on purpose: it protects only demo keys


def use_demo_passphrase(say: Callable[[str], object]) -> bool:
    """Set the demo passphrase in this process unless one is set; True when it was set."""
    if os.environ.get(PASSPHRASE_ENV):
        return False
    os.environ[PASSPHRASE_ENV] = DEMO_PASSPHRASE
    say(f"未设置 {PASSPHRASE_ENV}：本演示使用演示口令“{DEMO_PASSPHRASE}”加密签名密钥和电子印章密钥"
        "（仅本进程；正式环境请自行设置口令）。")
    return True
