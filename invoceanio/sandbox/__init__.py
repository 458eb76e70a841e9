"""The embedded InvoiceOcean-compatible sandbox (in progress)."""
