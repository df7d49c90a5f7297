"""How the app is served: `streamlit run server.py` (what `make run` and the browser tests do).

Streamlit's ASGI server (`st.App`) runs `app.py` as always, plus the HTTP layer of
`app_pages/web.py`: the endpoint that sets the session cookie server-side (HttpOnly), security
headers on every response, and /media/ downloads only for a valid session.
"""

import streamlit as st
from starlette.middleware import Middleware
from starlette.routing import Route

from app_pages.web import SESSION_PATH, SecurityMiddleware, session_cookie_endpoint

app = st.App(
    "app.py",
    routes=[Route(SESSION_PATH, session_cookie_endpoint, methods=["GET"])],
    middleware=[Middleware(SecurityMiddleware)],
)
