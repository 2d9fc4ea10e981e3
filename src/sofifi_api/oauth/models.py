from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sofifi_api.errors import Problem

# The client credentials grant carries no grant of its own, so `invalid_grant` never applies.
ErrorCode = Literal["invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"]


class TokenRequest(BaseModel):
    """A client credentials grant (RFC 6749 §4.4), sent form-encoded.

    Authenticate either with HTTP Basic (`client_id:client_secret`, preferred) or with
    `client_id` and `client_secret` in the form, not both.
    """

    model_config = ConfigDict(title="TokenRequest")

    grant_type: str = Field(
        max_length=100,
        description="Always `client_credentials`.",
        examples=["client_credentials"],
    )
    client_id: str | None = Field(
        default=None,
        max_length=64,
        description="The API client's id; omit when using HTTP Basic.",
        examples=["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"],
    )
    client_secret: str | None = Field(
        default=None,
        max_length=200,
        description="One of the client's API keys; omit when using HTTP Basic.",
        examples=["sfk_k3m9q2x7ab_4vJ8pQ2rT6yW1zX5cB9nM3kL7hG0fD4sA8eR2uI6oP1q"],
    )
    scope: str | None = Field(
        default=None,
        max_length=2000,
        description="Space-separated scopes wanted, a subset of the client's; omitted or empty: "
        "all of them.",
        examples=["programs:read feedback:read"],
    )


class AccessTokenResponse(BaseModel):
    """A bearer token for `Authorization: Bearer …` until it expires (RFC 6749 §5.1)."""

    access_token: str = Field(
        description="The token; send it as `Authorization: Bearer <access_token>`.",
        examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTk1ZjNhOCJ9.c2lnbmF0dXJl"],
    )
    token_type: Literal["Bearer"] = Field(
        default="Bearer", description="Always `Bearer`.", examples=["Bearer"]
    )
    expires_in: int = Field(
        ge=1,
        description="Seconds the token stays valid; then ask for a new one.",
        examples=[900],
    )
    scope: str = Field(
        description="Space-separated scopes the token carries.",
        examples=["programs:read feedback:read"],
    )


class OAuthProblem(Problem):
    """A refused token request: problem details with the RFC 6749 §5.2 error code."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/invalid-client",
                    "title": "Invalid client",
                    "status": 401,
                    "detail": "The client id and key do not name an active client.",
                    "instance": "/v1/oauth/token",
                    "request_id": "4f6c0f3e9b7a4c52a1d2e3f4a5b6c7d8",
                    "error": "invalid_client",
                    "error_description": "The client id and key do not name an active client.",
                }
            ]
        }
    )

    error: ErrorCode = Field(
        description="The OAuth2 error code, for OAuth2 client libraries.",
        examples=["invalid_client"],
    )
    error_description: str = Field(
        description="Same text as `detail`.",
        examples=["The client id and key do not name an active client."],
    )
