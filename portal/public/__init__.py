"""The public transparency pages: protected aggregates per compact (docs/public-release.md)."""
