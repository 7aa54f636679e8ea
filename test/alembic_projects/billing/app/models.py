"""SQLAlchemy models of the billing service.

Alembic's env.py imports Base from here (target_metadata = Base.metadata) so
that `alembic revision --autogenerate` can diff the models against the
database.  Revisions themselves never import this module.
"""
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import declarative_base, relationship

# the naming convention the revisions' constraint names follow
convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=sa.MetaData(naming_convention=convention))


class InvoiceStatus(str, enum.Enum):
    draft = "draft"
    open = "open"
    paid = "paid"
    void = "void"
    uncollectible = "uncollectible"


class Customer(Base):
    __tablename__ = "customers"

    id = sa.Column(postgresql.UUID(as_uuid=True), primary_key=True, default=uuid.uuid4,
                   server_default=sa.text("gen_random_uuid()"))
    email = sa.Column(sa.String(255), nullable=False, unique=True)
    name = sa.Column(sa.String(200), nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)

    invoices = relationship("Invoice", back_populates="customer")


class Plan(Base):
    __tablename__ = "plans"

    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(32), nullable=False, unique=True)
    name = sa.Column(sa.String(100), nullable=False)
    price_cents = sa.Column(sa.Integer, nullable=False)
    currency = sa.Column(sa.CHAR(3), nullable=False, server_default="EUR")
    trial_days = sa.Column(sa.Integer, nullable=False, server_default="0")


class Invoice(Base):
    __tablename__ = "invoices"

    id = sa.Column(sa.Integer, primary_key=True)
    number = sa.Column(sa.String(20), unique=True)
    customer_id = sa.Column(postgresql.UUID(as_uuid=True), sa.ForeignKey("customers.id"), nullable=False)
    status = sa.Column(sa.Enum(InvoiceStatus, name="invoice_status"), nullable=False, server_default="draft")
    total_cents = sa.Column(sa.BigInteger, nullable=False, server_default="0")
    issued_at = sa.Column(sa.DateTime(timezone=True))
    meta = sa.Column(postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb"))

    customer = relationship("Customer", back_populates="invoices")
    lines = relationship("InvoiceLine", cascade="all, delete-orphan")


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id = sa.Column(sa.Integer, primary_key=True)
    invoice_id = sa.Column(sa.Integer, sa.ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False)
    description = sa.Column(sa.Text, nullable=False)
    quantity = sa.Column(sa.Integer, nullable=False, server_default="1")
    unit_price_cents = sa.Column(sa.Integer, nullable=False)
    tax_rate_id = sa.Column(sa.Integer, sa.ForeignKey("tax_rates.id"))


class TaxRate(Base):
    __tablename__ = "tax_rates"

    id = sa.Column(sa.Integer, primary_key=True)
    country = sa.Column(sa.CHAR(2), nullable=False)
    rate = sa.Column(sa.Numeric(5, 2), nullable=False)
    label = sa.Column(sa.String(40), nullable=False, server_default="VAT %")
