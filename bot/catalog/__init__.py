"""The catalogue: sync with the provider, pricing and shop settings."""
