"""The Model Context Protocol server: the board's tools for agents, over stdio and at /mcp."""
