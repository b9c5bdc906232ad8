"""The user's records: the SQLite file (records, record_fields) and My digits in it, in folders and pen files."""
