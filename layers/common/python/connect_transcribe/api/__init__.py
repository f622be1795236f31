"""HTTP surface of the Start/Stop API: routes and the one place errors become responses."""
