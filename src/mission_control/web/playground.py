"""The GraphQL playground: GraphiQL served from this app, signed in through the board session.

Strawberry's own IDE page loads React and GraphiQL from a CDN; ours loads the copies vendored in
`web/static/graphiql/` (see its README), so the playground works with no internet. A page
opened with a valid board session carries that session's anti-CSRF value, which
`web/static/playground.js` sends with every request (docs/security.md, "The playground").
"""

from __future__ import annotations

import html
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from mission_control.domain.actors import Actor
from mission_control.domain.errors import Unauthenticated
from mission_control.runtime import Runtime
from mission_control.services import sessions

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = "/playground-assets"

# Only this server: scripts, styles, fonts (inlined as data:), and the GraphQL endpoint over
# HTTP and WebSocket; no framing by other sites (the page acts with the session).
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mission Control · GraphQL playground</title>
<meta name="mc-csrf" content="{csrf}">
<meta name="mc-actor" content="{actor}">
<link rel="stylesheet" href="{assets}/graphiql/graphiql.min.css">
<link rel="stylesheet" href="{assets}/playground.css">
</head>
<body>
<div id="graphiql">Loading the playground…</div>
<script src="{assets}/graphiql/react.production.min.js"></script>
<script src="{assets}/graphiql/react-dom.production.min.js"></script>
<script src="{assets}/graphiql/graphiql.min.js"></script>
<script src="{assets}/playground.js"></script>
</body>
</html>
"""


def render_page(csrf: str = "", actor: Actor | None = None) -> str:
    """The playground's HTML: local assets only, the session's anti-CSRF value if any."""
    label = f"{actor.label} ({actor.role})" if actor is not None else ""
    return PAGE.format(csrf=html.escape(csrf), actor=html.escape(label), assets=ASSETS)


async def playground_response(runtime: Runtime, request: Request) -> HTMLResponse:
    """The page for this browser: signed in when its session cookie is valid."""
    session_id = request.cookies.get(sessions.SESSION_COOKIE)
    csrf, actor = "", None
    if session_id:
        try:
            actor = await sessions.session_actor(runtime.ctx, session_id)
            csrf = sessions.csrf_token(session_id)
        except Unauthenticated:
            pass  # an ended session: the page works with a pasted token instead
    headers = {
        "Content-Security-Policy": POLICY,
        "Cache-Control": "no-store",  # it carries a per-session value
        "Referrer-Policy": "same-origin",
    }
    return HTMLResponse(render_page(csrf, actor), headers=headers)


def assets_route() -> Mount:
    """The playground's files (vendored GraphiQL, React, and our starter script)."""
    return Mount(ASSETS, app=StaticFiles(directory=STATIC), name="playground-assets")
