"""Resolvers: plain values in, authenticate (caller), call one service, return its result."""
