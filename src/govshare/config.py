"""Settings from the environment (GOVSHARE_*). Secrets never live in the repository: the session
secret comes from GOVSHARE_SECRET_KEY, or is generated once into the data folder (mode 0600)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVSHARE_", env_file=None)

    data_dir: Path = Path("./govshare-data")
    database_url: str | None = None
    secret_key: str | None = None
    platform_name: str = "广州市政务信息资源共享平台"
    platform_division: str = "440100"  # the division whose platform this is (GZ-10)
    session_max_age_seconds: int = 8 * 3600
    cookie_secure: bool = False  # set to true behind TLS
    sqlite_busy_timeout_ms: int = 5000
    signing_algorithm: str = "sm2"  # new keys: sm2 (SM2-SM3) or ed25519 (docs/evidence.md)
    tsa_url: str | None = None  # RFC 3161 time-stamping authority for tree heads

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'govshare.db').resolve()}"

    @cached_property
    def effective_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


def get_settings() -> Settings:
    return Settings()
