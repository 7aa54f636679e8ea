"""The guide's app/db/base.py: the base, with every model imported so that
its metadata knows them (what Alembic's env.py and pim_migrate read)."""
from app.db.session import Base  # noqa: F401

# Import all models here for auto-detection
from app.models.stock import Stock  # noqa: F401
