"""Core behaviour shipped as plugins: a host can see it in /api/plugins and override it."""
