"""Keyed hashes of secrets that the database stores instead of the secrets themselves."""

from __future__ import annotations

import hashlib
import hmac

from retrowalk.services.runtime import Runtime


def keyed_hash(rt: Runtime, secret: str) -> str:
    """HMAC-SHA256 of a token or code under the secret key (what the database stores)."""
    key = rt.settings.secret_key.encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()
