"""The GraphQL schema: Strawberry types that read like the SDL they produce."""
