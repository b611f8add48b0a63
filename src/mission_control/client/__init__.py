"""The agent's side: a typed GraphQL client (generated from codegen/), the runner loop."""
