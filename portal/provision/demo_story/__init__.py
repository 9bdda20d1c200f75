"""The demo's story: two years of synthetic evidence played through the real services."""
