"""Adapters to the outside world that services are given, never import: the LLM decomposer."""
