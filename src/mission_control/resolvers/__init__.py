"""Thin resolvers: authenticate, call a service, map the result to a GraphQL type."""
