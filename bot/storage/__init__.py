"""SQLite storage: the database handle, migrations and one repository module per table group."""
