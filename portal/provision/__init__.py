"""Setting the portal up: instance secrets, the catalogue in the database, accounts, demo data."""
