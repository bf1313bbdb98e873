"""The sandbox phone page: a phone in the browser that texts the program through the real,
signed webhook path and shows the replies the outbox sent. Programs try peerline with it,
and peers practise on it before go-live."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Header, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from messaging.sandbox.carrier import Sandbox
from messaging.sandbox.shapes import e164, thread_item

PHONE_BODY_LIMIT = 4000  # the phone page refuses more (Twilio joins at most 1600)
MAX_SANDBOX_BYTES = 64 * 1024  # any sandbox request body: a text and its fields
_HERE = Path(__file__).parent
_STATIC = {"sandbox.js": "text/javascript", "sandbox.css": "text/css"}
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the page URL carries a phone number
    "Cache-Control": "no-store",
}
templates = Jinja2Templates(directory=_HERE / "templates")


def _truthy(value: object) -> bool:
    return value is True or str(value).strip().lower() in {"1", "true", "on", "yes"}


def _phone_or_none(raw: str | None) -> str | None:
    return e164(raw) if raw else None


async def form_lists(request: Request) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {}
    for key, value in (await request.form()).multi_items():
        if isinstance(value, str):
            lists.setdefault(key, []).append(value)
    return lists


async def _phone_input(request: Request) -> dict[str, object]:
    """The phone page's send fields, from JSON or a form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except ValueError:  # json.JSONDecodeError and undecodable bytes alike
            return {}
        return data if isinstance(data, dict) else {}
    return {key: values[0] for key, values in (await form_lists(request)).items()}


def _bad_request(detail: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": detail}, status_code=400)


TOKEN_HEADER = "X-Sandbox-Token"  # set by the page's script; a cross-site form cannot


def same_site_send(request: Request, token: str) -> bool:
    """The send came from the phone page: it carries the page's token in a header (which a
    cross-site form cannot set, and a cross-site script cannot read), and any Origin is ours."""
    sent = request.headers.get(TOKEN_HEADER, "")
    if not hmac.compare_digest(sent.encode(), token.encode()):
        return False
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")


def build_phone_router(sandbox: Sandbox) -> APIRouter:
    """The phone page, its send and thread endpoints, and its static files."""
    router = APIRouter(tags=["sandbox"])
    token = secrets.token_urlsafe(24)  # one per running sandbox; only its page shows it

    @router.get("/phone", name="sandbox_phone")
    async def phone_page(request: Request, number: str | None = None) -> Response:
        phone = _phone_or_none(number or sandbox.demo_number)
        if phone is None:
            return _bad_request("not a phone number")
        context = {
            "number": phone,
            "token": token,
            "program_number": sandbox.program_number,
            "send_url": request.url_for("sandbox_phone_send").path,
            "thread_url": request.url_for("sandbox_phone_thread").path,
            "page_url": request.url_for("sandbox_phone").path,
            "script_url": request.url_for("sandbox_phone_static", name="sandbox.js").path,
            "style_url": request.url_for("sandbox_phone_static", name="sandbox.css").path,
        }
        return templates.TemplateResponse(
            request, "sandbox_phone.html", context, headers=_PAGE_HEADERS
        )

    @router.post("/phone/send", name="sandbox_phone_send")
    async def phone_send(request: Request) -> Response:
        if not same_site_send(request, token):
            error = {"ok": False, "error": "send from the sandbox phone page"}
            return JSONResponse(error, status_code=403)
        fields = await _phone_input(request)
        phone = _phone_or_none(str(fields.get("number") or ""))
        body = str(fields.get("body") or "")
        media = _truthy(fields.get("media"))
        if phone is None:
            return _bad_request("not a phone number")
        if not body.strip() and not media:
            return _bad_request("type a message first")
        if len(body) > PHONE_BODY_LIMIT:
            return _bad_request("that message is too long")
        result = await sandbox.send_from_phone(phone, body, media)
        payload = {"ok": result.ok, "sid": result.sid, "gateway_status": result.gateway_status}
        return JSONResponse(
            payload | {"error": result.error}, headers={"Cache-Control": "no-store"}
        )

    @router.get("/phone/thread.json", name="sandbox_phone_thread")
    async def phone_thread(
        number: str | None = None, x_sandbox_number: str | None = Header(None)
    ) -> Response:
        # The page sends the number in a header, so once-a-second polls don't write
        # phone numbers into access logs; `?number=` works too, for people and tests.
        phone = _phone_or_none(number or x_sandbox_number)
        if phone is None:
            return _bad_request("not a phone number")
        items = [thread_item(m) for m in sandbox.thread(phone)]
        return JSONResponse({"messages": items}, headers={"Cache-Control": "no-store"})

    @router.get("/phone/static/{name}", name="sandbox_phone_static")
    async def phone_static(name: str) -> Response:
        if name not in _STATIC:
            return Response(status_code=404)
        return FileResponse(_HERE / "static" / name, media_type=_STATIC[name])

    return router
