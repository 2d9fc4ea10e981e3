"""Adds the rate limit headers to every response of a request that was counted."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sofifi_api.ratelimit.limiter import RateLimitDecision


class RateLimitHeadersMiddleware:
    """Success or error alike, a counted request's response carries `RateLimit` and
    `RateLimit-Policy`; requests without a valid credential were not counted and get none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_rate_limit(message: Message) -> None:
            decision = state.get("rate_limit")
            if message["type"] == "http.response.start" and isinstance(decision, RateLimitDecision):
                headers = MutableHeaders(scope=message)
                for name, value in decision.headers().items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_rate_limit)
