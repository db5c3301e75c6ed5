"""What the site's plumbing asks of the clinical apps above it (docs/architecture.md)."""

from dryneedle.lib.hooks import Hook

# After a restore: re-check every signed record's SHA-256 (visits provides it).
verify_signed = Hook("web.verify_signed", "() -> (signed records checked, the ones whose SHA-256 differs)")
