"""Cross-feature API pieces: the OpenAPI document."""
