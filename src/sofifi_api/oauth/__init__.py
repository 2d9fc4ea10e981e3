"""OAuth2 client credentials: a client id and one of its API keys buy a short-lived token."""
