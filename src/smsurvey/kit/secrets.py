"""The instance's secret key: signs link tokens and encrypts credentials at rest."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import make_url

from smsurvey.kit.db import is_sqlite
from smsurvey.kit.errors import SmsurveyError
from smsurvey.settings import Settings


def secret_key(settings: Settings) -> bytes:
    """``SMSURVEY_SECRET_KEY``, or for the embedded SQLite database a key kept beside it.

    The key file (``<database>.key``, readable by its owner only) is created on first use,
    so links stay valid across restarts without any set-up. Any other database needs the
    setting: its processes may run on several machines.
    """
    if settings.secret_key:
        return settings.secret_key.encode()
    if not is_sqlite(settings.database_url):
        raise SmsurveyError("set SMSURVEY_SECRET_KEY: every process needs the same secret key")
    database = make_url(settings.database_url).database or "smsurvey.db"
    path = Path(f"{database}.key")
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def derived_key(key: bytes, purpose: str) -> bytes:
    """A key of its own for ``purpose``, derived from the instance's key: random per
    instance and kept with it, yet never the key itself."""
    return hashlib.sha256(purpose.encode() + b"\0" + key).digest()


def _fernet(key: bytes) -> Fernet:
    derived = derived_key(key, "smsurvey credentials at rest")
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(key: bytes, plain: bytes) -> str:
    """``plain`` encrypted and authenticated (Fernet) with a key derived from ``key``."""
    return _fernet(key).encrypt(plain).decode()


def unseal(key: bytes, sealed: str) -> bytes:
    """What :func:`seal` sealed; :class:`SmsurveyError` when the key is not the one used."""
    try:
        return _fernet(key).decrypt(sealed.encode())
    except InvalidToken:
        raise SmsurveyError(
            "stored credentials cannot be decrypted: SMSURVEY_SECRET_KEY is not the key they "
            "were encrypted with"
        ) from None
