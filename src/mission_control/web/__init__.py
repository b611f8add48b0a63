"""The HTTP edge: the GraphQL endpoint and the middleware in front of it."""
