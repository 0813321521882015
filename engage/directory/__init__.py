"""Organisations (practices, federations, pharmacies), localities and contacts; ODS and CSV imports."""
