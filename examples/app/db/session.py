"""The guide's app/db/session.py: the declarative base the models share."""
from sqlalchemy.orm import declarative_base

Base = declarative_base()
