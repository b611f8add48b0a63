"""The only code that talks to the ORM: rows, the transaction + Event journal, read queries."""
