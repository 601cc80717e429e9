"""The MCP server at /mcp: FluxNote's tools for AI agents (Model Context Protocol,
Streamable HTTP, official `mcp` SDK), each tool one call of the JSON API on the caller's
own token, so every rule (auth, workspace isolation, validation, credits) is the API's."""
