"""Document extraction: receipts and invoices (PDF, images, e-invoices) to typed fields."""
