"""Who is calling: credentials (API keys, OAuth2 tokens), scopes and the area a client may see."""
