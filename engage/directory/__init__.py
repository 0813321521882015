"""Organisations (practices, federations, pharmacies), localities, contacts; ODS and CSV imports."""
