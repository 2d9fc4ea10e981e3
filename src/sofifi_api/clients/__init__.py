"""API clients: the partner systems that call the service, their scopes, areas and keys."""
