"""Directory (目录): administrative divisions, agencies, the persons responsible for sharing,
users, roles and API clients."""
