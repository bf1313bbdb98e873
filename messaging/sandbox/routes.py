"""The sandbox's HTTP side: Twilio's Messages API (what the real twilio client calls) and
the phone page, mounted under `/sandbox` in the app or served alone for tests."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from messaging.sandbox.carrier import Sandbox
from messaging.sandbox.phone import build_phone_router, form_lists
from messaging.sandbox.shapes import API_VERSION, TwilioError


def build_sandbox_router(sandbox: Sandbox) -> APIRouter:
    """The fake Twilio API and the phone page; mount it under `/sandbox`."""
    router = APIRouter(tags=["sandbox"])

    @router.post(f"/twilio/{API_VERSION}/Accounts/{{account_sid}}/Messages.json")
    async def messages_create(
        account_sid: str, request: Request, background: BackgroundTasks
    ) -> Response:
        form = await form_lists(request)
        result = await sandbox.create(account_sid, request.headers.get("authorization"), form)
        if isinstance(result, TwilioError):
            return result.response()
        background.add_task(sandbox.deliver, result.sid, sandbox.delivery_plan())
        return JSONResponse(sandbox.message_json(result), status_code=201)

    router.include_router(build_phone_router(sandbox))
    return router


def create_sandbox_app(sandbox: Sandbox) -> FastAPI:
    """A standalone app serving only the sandbox under `/sandbox` (tests, `peerline demo`)."""
    app = FastAPI(title="peerline sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(build_sandbox_router(sandbox), prefix="/sandbox")
    return app
