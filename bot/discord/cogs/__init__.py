"""Discord edges: each cog parses input, calls one service and formats the result."""
