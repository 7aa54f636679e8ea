"""The guide's Stock model."""
from sqlalchemy import Column, Integer, String

from app.db.session import Base


class Stock(Base):
    __tablename__ = "stocks"

    id = Column(Integer, primary_key=True, index=True)
    name = Column(String, index=True)
    market = Column(String, index=True)
    ticker = Column(String, index=True)
    # New field
    sector = Column(String, index=True)  # Add this
