"""Demo and benchmark datasets beyond the generated retail database (TPC-DS)."""
