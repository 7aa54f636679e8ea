"""billing: invoices and subscriptions (only the models live here)."""
