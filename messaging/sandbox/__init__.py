"""The sandbox: a fake carrier that speaks Twilio's protocol, plus a phone page in the browser.

It replaces only Twilio's HTTP API (design principle 5): the app's real twilio client sends
through `POST /twilio/2010-04-01/Accounts/{sid}/Messages.json` here, gets Twilio's JSON back
and receives signed status callbacks; the phone page sends signed inbound webhooks to the
gateway's real `/sms/inbound`.

- `shapes`: Twilio's JSON and webhook fields;
- `carrier`: the fake carrier's state and behaviour (and the faults tests script);
- `phone`: the phone page;
- `routes`: the HTTP routes, mounted under `/sandbox`.
"""

from messaging.sandbox.carrier import Sandbox
from messaging.sandbox.routes import build_sandbox_router, create_sandbox_app
from messaging.sandbox.shapes import SandboxMessage, e164

__all__ = ["Sandbox", "SandboxMessage", "build_sandbox_router", "create_sandbox_app", "e164"]
