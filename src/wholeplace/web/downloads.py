"""A file sent to the browser to save: its content type and a filename that is safe in any header."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.responses import Response

# What may stand in a plain `filename="..."`: anything else (quotes, slashes, line breaks, accents) becomes "-",
# and the name as given goes in `filename*` (RFC 6266), which browsers prefer.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    """A download named `filename`; a fund code like `wecb/2013 "14"` still gives a well-formed header."""
    plain = _UNSAFE.sub("-", filename).strip("-.") or "download"
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
