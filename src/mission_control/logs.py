"""Nothing secret in the logs: query-string secrets are masked in uvicorn's access log."""

from __future__ import annotations

import logging
import re

_SECRET_PARAM = re.compile(r"((?:^|[?&])(?:token|code|access_token)=)[^&#\s]*", re.IGNORECASE)


def redact(path: str) -> str:
    """`/login?token=abc&x=1` → `/login?token=***&x=1`."""
    return _SECRET_PARAM.sub(r"\1***", path)


class RedactSecrets(logging.Filter):
    """uvicorn.access logs (client, method, path, version, status): mask the path's secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def install() -> None:
    logging.getLogger("uvicorn.access").addFilter(RedactSecrets())
