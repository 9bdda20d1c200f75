"""Where the project's non-Python parts live (templates, static, translations, migrations)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
TRANSLATIONS = ROOT / "translations"
MIGRATIONS = ROOT / "migrations"
ALEMBIC_INI = ROOT / "alembic.ini"
